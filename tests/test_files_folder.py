"""A node starts only on the files folder its database's files are in: a cluster needs one shared
folder, and a node pointed at another one refuses to start with a message that says why."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from chat.service.uploads import MARKER, FolderNotShared
from tests.conftest import start
from tests.test_attachments import png, upload


def test_a_new_folder_is_marked_and_kept_across_restarts(settings: Settings) -> None:
    with TestClient(create_app(settings)):
        pass
    marker = settings.data_dir / MARKER
    token = marker.read_text()
    assert len(token) == 32
    with TestClient(create_app(settings)) as client:  # the same folder: it starts
        assert client.get("/healthz").status_code == 200
    assert marker.read_text() == token


def test_a_folder_without_the_files_refuses_to_start_and_says_why(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        key = start(client, name="Pat")["session_key"]
        assert upload(client, key, "photo.png", png()).status_code == 201
    (settings.data_dir / MARKER).unlink()  # another, empty folder in its place

    with pytest.raises(FolderNotShared) as refused:
        with TestClient(create_app(settings)):
            pass
    assert "same shared folder" in str(refused.value)
    assert "--data-dir" in str(refused.value)


def test_an_empty_folder_is_fine_while_no_file_was_stored(settings: Settings) -> None:
    with TestClient(create_app(settings)):
        pass
    (settings.data_dir / MARKER).unlink()
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert (settings.data_dir / MARKER).exists()
