"""The words people read for the connector states (domain/connector_states.py), in the page's
language. Templates have them as ``state_words`` (value → word) and the ``ui.state`` badge;
pages whose scripts show states pass them in a JSON block (``ui.state_words_json``)."""

from __future__ import annotations

from collections.abc import Callable

from kilowatt.domain.connector_states import ConnectorState


def state_words(gettext: Callable[[str], str]) -> dict[str, str]:
    """Each state's word, in the order pages list them."""
    _ = gettext
    words = {
        ConnectorState.AVAILABLE: _("Available"),
        ConnectorState.PREPARING: _("Preparing"),
        ConnectorState.CHARGING: _("Charging"),
        ConnectorState.SUSPENDED: _("Suspended"),
        ConnectorState.FINISHING: _("Finishing"),
        ConnectorState.RESERVED: _("Reserved"),
        ConnectorState.UNAVAILABLE: _("Unavailable"),
        ConnectorState.FAULTED: _("Faulted"),
        ConnectorState.OFFLINE: _("Offline"),
        ConnectorState.UNKNOWN: _("Unknown"),
    }
    return {state.value: words[state] for state in ConnectorState}
