from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import AwareDatetime, Id, Patch, Schema
from kilowatt.domain.tokens import GroupKind, IdTokenType, TokenStatus

GROUP_HELP = (
    "The parent id tag of the token's group (OCPP 1.6 parentIdTag / 2.0.1 groupIdToken): it "
    "names the group; a tag no group has yet makes a new group of kind other."
)
GROUP_REF_HELP = "The token's group, by id (see /token-groups); null: no group."


class TokenIn(Schema):
    value: str = Field(min_length=1, max_length=255, description="Card UID, app token...")
    type: IdTokenType = IdTokenType.ISO14443
    status: TokenStatus = TokenStatus.ACCEPTED
    expires_at: AwareDatetime | None = None
    group_id: str | None = Field(default=None, max_length=255, description=GROUP_HELP)
    token_group_id: Id | None = Field(default=None, description=GROUP_REF_HELP)
    driver_id: Id | None = Field(default=None, description="The driver the token belongs to.")
    label: str = Field(default="", max_length=200)


class TokenPatch(Patch):
    text_fields = frozenset({"label"})
    required_fields = frozenset({"status"})

    status: TokenStatus | None = None
    expires_at: AwareDatetime | None = None
    group_id: str | None = Field(default=None, max_length=255, description=GROUP_HELP)
    token_group_id: Id | None = Field(default=None, description=GROUP_REF_HELP)
    driver_id: Id | None = None
    label: str | None = Field(default=None, max_length=200)


class TokenOut(Schema):
    id: int
    value: str
    type: IdTokenType
    status: TokenStatus
    expires_at: datetime | None
    group_id: str | None = Field(description="The parent id tag of the token's group.")
    token_group_id: int | None
    driver_id: int | None
    label: str
    created_at: datetime
    updated_at: datetime


class TokenGroupIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: GroupKind = GroupKind.OTHER
    description: str = Field(default="", max_length=500)
    parent_id_tag: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="The group's own token value, told to stations as the parentIdTag (1.6) "
        "or groupIdToken (2.0.1) of each member; unique in the organization. Stations keep "
        "20 (1.6) or 36 (2.0.1) characters of it.",
    )
    load_priority: int = Field(
        default=0,
        ge=0,
        le=9,
        description="Under a site's priority load strategy its members' sessions are served "
        "first, higher before lower (0 to 9; 0: none).",
    )


class TokenGroupPatch(Patch):
    text_fields = frozenset({"description"})
    required_fields = frozenset({"name", "kind", "load_priority"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: GroupKind | None = None
    description: str | None = Field(default=None, max_length=500)
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=255)
    load_priority: int | None = Field(default=None, ge=0, le=9)


class TokenGroupOut(Schema):
    id: int
    name: str
    kind: GroupKind
    description: str
    parent_id_tag: str | None
    load_priority: int = Field(description="Its priority under a priority load strategy.")
    tokens: int = Field(description="How many tokens belong to the group.")
    created_at: datetime
    updated_at: datetime
