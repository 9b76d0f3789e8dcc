"""OCPP-J frames: decoding every malformed case, encoding, and per-version error codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.rpc import (
    MAX_UNIQUE_ID,
    Call,
    CallError,
    CallResult,
    ErrorKind,
    RpcError,
    code_for,
    decode,
    encode_call,
    encode_error,
    encode_result,
)

V16 = ProtocolVersion.OCPP16
V201 = ProtocolVersion.OCPP201

# The errorCode values each specification allows (OCPP-J 1.6 §4.2.3, OCPP 2.0.1 Part 4 §4.3).
CODES_16 = {
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
}
CODES_201 = {
    "FormatViolation",
    "GenericError",
    "InternalError",
    "MessageTypeNotSupported",
    "NotImplemented",
    "NotSupported",
    "OccurrenceConstraintViolation",
    "PropertyConstraintViolation",
    "ProtocolError",
    "RpcFrameworkError",
    "SecurityError",
    "TypeConstraintViolation",
}


def frame(*parts: Any) -> str:
    return json.dumps(list(parts))


def decode_error(text: str | bytes) -> RpcError:
    with pytest.raises(RpcError) as raised:
        decode(text)
    return raised.value


# --- well-formed frames --------------------------------------------------------------------


def test_decode_call() -> None:
    assert decode('[2,"19223201","BootNotification",{"chargePointVendor":"V"}]') == Call(
        "19223201", "BootNotification", {"chargePointVendor": "V"}
    )


def test_decode_call_from_bytes_with_whitespace() -> None:
    assert decode(b' [ 2 , "a" , "Heartbeat" , { } ] ') == Call("a", "Heartbeat", {})


def test_decode_call_result() -> None:
    assert decode('[3,"abc",{"currentTime":"x"}]') == CallResult("abc", {"currentTime": "x"})


def test_decode_call_error() -> None:
    assert decode('[4,"abc","NotImplemented","nope",{"a":1}]') == CallError(
        "abc", "NotImplemented", "nope", {"a": 1}
    )


def test_unique_id_of_36_characters_is_accepted() -> None:
    unique_id = "x" * MAX_UNIQUE_ID
    assert MAX_UNIQUE_ID == 36
    assert decode(frame(2, unique_id, "Heartbeat", {})) == Call(unique_id, "Heartbeat", {})


# --- malformed frames: kind and the unique id to answer ------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "unique_id"),
    [
        # not JSON at all
        ("", ErrorKind.RPC_FRAMEWORK, "-1"),
        ("not json", ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,"a","Heartbeat",{}', ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,"a","Heartbeat",{}] trailing', ErrorKind.RPC_FRAMEWORK, "-1"),
        ("[NaN]", ErrorKind.RPC_FRAMEWORK, "-1"),
        # JSON but not a non-empty array
        ("{}", ErrorKind.RPC_FRAMEWORK, "-1"),
        ('"frame"', ErrorKind.RPC_FRAMEWORK, "-1"),
        ("2", ErrorKind.RPC_FRAMEWORK, "-1"),
        ("null", ErrorKind.RPC_FRAMEWORK, "-1"),
        ("[]", ErrorKind.RPC_FRAMEWORK, "-1"),
        # CALL whose id cannot be read: answered to "-1"
        ("[2]", ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,123,"Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,null,"Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,"","Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK, "-1"),
        (frame(2, "x" * 37, "Heartbeat", {}), ErrorKind.RPC_FRAMEWORK, "-1"),
        ('[2,["a"],"Heartbeat",{}]', ErrorKind.RPC_FRAMEWORK, "-1"),
        # CALL with a readable id but a wrong shape: answered to that id
        ('[2,"m1"]', ErrorKind.RPC_FRAMEWORK, "m1"),
        ('[2,"m1","Heartbeat"]', ErrorKind.RPC_FRAMEWORK, "m1"),
        ('[2,"m1","Heartbeat",{},{}]', ErrorKind.RPC_FRAMEWORK, "m1"),
        ('[2,"m1",5,{}]', ErrorKind.RPC_FRAMEWORK, "m1"),
        ('[2,"m1",null,{}]', ErrorKind.RPC_FRAMEWORK, "m1"),
        # CALL whose payload is not an object
        ('[2,"m1","Heartbeat",[]]', ErrorKind.FORMAT, "m1"),
        ('[2,"m1","Heartbeat",null]', ErrorKind.FORMAT, "m1"),
        ('[2,"m1","Heartbeat","{}"]', ErrorKind.FORMAT, "m1"),
        # unknown message types
        ('[5,"m1",{}]', ErrorKind.MESSAGE_TYPE, "m1"),
        ('[0,"m1"]', ErrorKind.MESSAGE_TYPE, "m1"),
        ('["2","m1","Heartbeat",{}]', ErrorKind.MESSAGE_TYPE, "m1"),
        ('[null,"m1"]', ErrorKind.MESSAGE_TYPE, "m1"),
        ("[5]", ErrorKind.MESSAGE_TYPE, "-1"),
        ('[5,""]', ErrorKind.MESSAGE_TYPE, "-1"),
        ("[5,42]", ErrorKind.MESSAGE_TYPE, "-1"),
        # malformed replies are never answered: no unique id
        ("[3]", ErrorKind.RPC_FRAMEWORK, None),
        ('[3,"r1"]', ErrorKind.RPC_FRAMEWORK, None),
        ('[3,"r1",[]]', ErrorKind.RPC_FRAMEWORK, None),
        ('[3,"r1",{},{}]', ErrorKind.RPC_FRAMEWORK, None),
        ("[3,7,{}]", ErrorKind.RPC_FRAMEWORK, None),
        ('[3,"",{}]', ErrorKind.RPC_FRAMEWORK, None),
        ("[4]", ErrorKind.RPC_FRAMEWORK, None),
        ('[4,"r1","GenericError","x"]', ErrorKind.RPC_FRAMEWORK, None),
        ('[4,"r1","GenericError","x",{},1]', ErrorKind.RPC_FRAMEWORK, None),
        ('[4,"r1",1,"x",{}]', ErrorKind.RPC_FRAMEWORK, None),
        ('[4,"r1","GenericError",null,{}]', ErrorKind.RPC_FRAMEWORK, None),
        ('[4,"r1","GenericError","x",[]]', ErrorKind.RPC_FRAMEWORK, None),
        ('[4,null,"GenericError","x",{}]', ErrorKind.RPC_FRAMEWORK, None),
    ],
)
def test_decode_malformed(text: str, kind: ErrorKind, unique_id: str | None) -> None:
    error = decode_error(text)
    assert error.kind is kind
    assert error.unique_id == unique_id
    assert error.details == {}


def test_invalid_utf8_bytes_are_a_framework_error() -> None:
    error = decode_error(b'[2,"a","Heartbeat",{"x":"\xff"}]')
    assert (error.kind, error.unique_id) == (ErrorKind.RPC_FRAMEWORK, "-1")


def test_error_message_names_the_unknown_type() -> None:
    assert "7" in decode_error('[7,"m1"]').description
    assert str(decode_error('[7,"m1"]')).startswith("MessageTypeNotSupported: ")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=8,
)


def outcome(text: str | bytes) -> Call | CallResult | CallError | RpcError:
    """What decode gives: a frame or the RpcError it raised (any other exception escapes)."""
    try:
        return decode(text)
    except RpcError as error:
        return error


frame_like = st.text(alphabet='[]{}",:0123456789.-eE tnrulfas\\', max_size=40)


@settings(deadline=None)
@given(st.one_of(st.text(), frame_like))
def test_decode_of_any_text_returns_a_frame_or_raises_rpc_error(text: str) -> None:
    result = outcome(text)
    assert isinstance(result, Call | CallResult | CallError | RpcError)
    if isinstance(result, RpcError):
        assert isinstance(result.kind, ErrorKind)
        assert result.unique_id is None or isinstance(result.unique_id, str)


@settings(deadline=None)
@given(st.binary())
def test_decode_of_any_bytes_returns_a_frame_or_raises_rpc_error(data: bytes) -> None:
    assert isinstance(outcome(data), Call | CallResult | CallError | RpcError)


@settings(deadline=None, max_examples=50)
@given(st.lists(json_values, max_size=6))
def test_decode_of_any_json_array(parts: list[Any]) -> None:
    result = outcome(json.dumps(parts))
    if not isinstance(result, RpcError):
        assert result.unique_id == parts[1]
    elif parts and parts[0] == 2:
        # a CALL is always answered, to its id when it could be read
        raw = parts[1] if len(parts) > 1 else None
        readable = isinstance(raw, str) and 0 < len(raw) <= MAX_UNIQUE_ID
        assert result.unique_id == (raw if readable else "-1")
    elif parts and parts[0] in (3, 4):
        assert result.unique_id is None
    else:
        assert result.unique_id is not None


# --- encoding ------------------------------------------------------------------------------


def test_encode_call() -> None:
    assert encode_call("1", "Reset", {"type": "Soft"}) == '[2,"1","Reset",{"type":"Soft"}]'


def test_encode_result() -> None:
    assert encode_result("1", {"status": "Accepted"}) == '[3,"1",{"status":"Accepted"}]'


def test_encode_error_without_details() -> None:
    assert (
        encode_error("1", "NotImplemented", "no such action")
        == '[4,"1","NotImplemented","no such action",{}]'
    )


def test_encode_error_with_details() -> None:
    encoded = encode_error("1", "FormationViolation", "bad", {"field": "idTag"})
    assert encoded == '[4,"1","FormationViolation","bad",{"field":"idTag"}]'


def test_encode_error_truncates_the_description_to_255_characters() -> None:
    encoded = encode_error("1", "GenericError", "é" * 300)
    assert json.loads(encoded)[3] == "é" * 255


def test_encode_keeps_non_ascii_text() -> None:
    assert encode_result("ü", {"info": "Сбой"}) == '[3,"ü",{"info":"Сбой"}]'


ids = st.text(min_size=1, max_size=MAX_UNIQUE_ID)
objects = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


@settings(deadline=None, max_examples=50)
@given(ids, st.text(min_size=1, max_size=40), objects)
def test_call_round_trips(unique_id: str, action: str, payload: dict[str, Any]) -> None:
    assert decode(encode_call(unique_id, action, payload)) == Call(unique_id, action, payload)


@settings(deadline=None, max_examples=50)
@given(ids, objects)
def test_result_round_trips(unique_id: str, payload: dict[str, Any]) -> None:
    assert decode(encode_result(unique_id, payload)) == CallResult(unique_id, payload)


@settings(deadline=None, max_examples=50)
@given(ids, st.text(max_size=20), st.text(max_size=300), objects)
def test_error_round_trips(
    unique_id: str, code: str, description: str, details: dict[str, Any]
) -> None:
    assert decode(encode_error(unique_id, code, description, details)) == CallError(
        unique_id, code, description[:255], details
    )


# --- code_for ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code_16", "code_201"),
    [
        (ErrorKind.FORMAT, "FormationViolation", "FormatViolation"),
        (ErrorKind.OCCURRENCE, "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
        (ErrorKind.TYPE, "TypeConstraintViolation", "TypeConstraintViolation"),
        (ErrorKind.PROPERTY, "PropertyConstraintViolation", "PropertyConstraintViolation"),
        (ErrorKind.PROTOCOL, "ProtocolError", "ProtocolError"),
        (ErrorKind.NOT_IMPLEMENTED, "NotImplemented", "NotImplemented"),
        (ErrorKind.NOT_SUPPORTED, "NotSupported", "NotSupported"),
        (ErrorKind.INTERNAL, "InternalError", "InternalError"),
        (ErrorKind.SECURITY, "SecurityError", "SecurityError"),
        (ErrorKind.GENERIC, "GenericError", "GenericError"),
        (ErrorKind.MESSAGE_TYPE, "FormationViolation", "MessageTypeNotSupported"),
        (ErrorKind.RPC_FRAMEWORK, "FormationViolation", "RpcFrameworkError"),
    ],
)
def test_code_for(kind: ErrorKind, code_16: str, code_201: str) -> None:
    assert code_for(kind, V16) == code_16
    assert code_for(kind, V201) == code_201


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_code_is_one_the_version_defines(kind: ErrorKind) -> None:
    assert code_for(kind, V16) in CODES_16
    assert code_for(kind, V201) in CODES_201


def test_every_201_code_is_reachable() -> None:
    assert {code_for(kind, V201) for kind in ErrorKind} == CODES_201
