"""Command sets read and written by hand must agree with pynetdicom's and pydicom's encoders."""

from __future__ import annotations

from io import BytesIO

import pytest
from pydicom.filereader import read_dataset
from pynetdicom.dimse_messages import C_STORE_RQ as PynetdicomStoreRequest
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode

from workstation.net.dimse_command import (
    C_ECHO_RSP,
    C_GET_RQ,
    C_MOVE_RQ,
    C_STORE_RQ,
    C_STORE_RSP,
    NO_DATA_SET,
    read_command,
    response,
    retrieve_request,
)

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MODEL_GET = "1.2.840.10008.5.1.4.1.2.2.3"
MODEL_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"


def decoded(command: bytes):
    """The command set as pydicom reads it (implicit VR little endian), the group length checked."""
    dataset = read_dataset(BytesIO(command), is_implicit_VR=True, is_little_endian=True)
    assert dataset.CommandGroupLength == len(command) - 12
    return dataset


def test_a_c_store_request_encoded_by_pynetdicom_is_read():
    primitive = C_STORE()
    primitive.MessageID = 7
    primitive.AffectedSOPClassUID = CT_IMAGE
    primitive.AffectedSOPInstanceUID = "1.2.3.4.5"  # odd length: padded with a NUL on the wire
    primitive.Priority = 0
    primitive.MoveOriginatorApplicationEntityTitle = "WORKSTATION"
    primitive.MoveOriginatorMessageID = 4242
    message = PynetdicomStoreRequest()
    message.primitive_to_message(primitive)
    encoded = message.command_set
    fields = read_command(encode(encoded, True, True))
    assert fields == {
        "AffectedSOPClassUID": CT_IMAGE, "CommandField": C_STORE_RQ, "MessageID": 7, "Priority": 0,
        "CommandDataSetType": encoded.CommandDataSetType, "AffectedSOPInstanceUID": "1.2.3.4.5",
        "MoveOriginatorApplicationEntityTitle": "WORKSTATION", "MoveOriginatorMessageID": 4242,
    }


@pytest.mark.parametrize(("field", "model", "destination"), [(C_GET_RQ, MODEL_GET, ""), (C_MOVE_RQ, MODEL_MOVE, "ME")])
def test_retrieve_requests_decode_as_the_standard_says(field, model, destination):
    dataset = decoded(retrieve_request(field, model, 513, destination))
    assert dataset.AffectedSOPClassUID == model
    assert (dataset.CommandField, dataset.MessageID, dataset.Priority) == (field, 513, 0)
    assert dataset.CommandDataSetType != NO_DATA_SET  # the identifier follows
    assert dataset.get("MoveDestination", "").strip() == destination
    assert read_command(retrieve_request(field, model, 513, destination))["MessageID"] == 513


def test_responses_decode_as_the_standard_says():
    store = decoded(response(C_STORE_RSP, CT_IMAGE, 99, 0xA700, "1.2.3.4.5"))
    assert (store.CommandField, store.MessageIDBeingRespondedTo, store.Status) == (C_STORE_RSP, 99, 0xA700)
    assert (store.AffectedSOPClassUID, store.AffectedSOPInstanceUID) == (CT_IMAGE, "1.2.3.4.5")
    assert store.CommandDataSetType == NO_DATA_SET
    echo = decoded(response(C_ECHO_RSP, "1.2.840.10008.1.1", 3, 0))
    assert "AffectedSOPInstanceUID" not in echo
    assert (echo.CommandField, echo.Status) == (C_ECHO_RSP, 0)


def test_unknown_and_other_group_elements_are_skipped():
    extra = b"\x00\x00\x10\x09\x02\x00\x00\x00\x05\x00" + b"\x08\x00\x18\x00\x04\x00\x00\x00abcd"
    fields = read_command(response(C_STORE_RSP, CT_IMAGE, 1, 0) + extra)
    assert fields["Status"] == 0 and fields["MessageIDBeingRespondedTo"] == 1
    assert len(fields) == 5
