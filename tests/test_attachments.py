"""File attachments: upload = send, downloads for the customer and agents, and bad input."""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from chat.config import Settings
from tests.conftest import BOB, assert_error, login, start
from tests.database_sql import run_sql
from tests.sockets import running
from tests.test_auth_pages import log_in

PUBLIC_UPLOAD = "/api/v1/chat/public/attachments"
MIB = 1024 * 1024


def png(width: int = 3, height: int = 2) -> bytes:
    """A real, decodable RGB PNG of a red rectangle."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xdc\x26\x26" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def office(part: str) -> bytes:
    """A minimal Office file. Its members carry a fixed date: the bytes are in the test's id,
    and each xdist worker collects it; the current time made the ids differ across a second."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), (part, "<x/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def files_on_disk(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "files"
    return sorted(folder.iterdir()) if folder.exists() else []


def rows(settings: Settings, table: str) -> int:
    return run_sql(settings, f"SELECT count(*) FROM {table}")[0][0]


def upload(client: TestClient, key: str, name: str, body: bytes, **fields: str):
    return client.post(
        PUBLIC_UPLOAD,
        data={"session_key": key, **fields},
        files={"file": (name, body, "application/octet-stream")},
    )


def multipart(filename: bytes, body: bytes, **fields: str) -> tuple[bytes, dict[str, str]]:
    """A multipart body written by hand, so a file name can hold any bytes."""
    boundary = b"sb-test-boundary"
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary, name.encode(), value.encode())
        for name, value in fields.items()
    ]
    parts.append(
        b'--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
        b"Content-Type: image/png\r\n\r\n%s\r\n" % (boundary, filename, body)
    )
    data = b"".join(parts) + b"--%s--\r\n" % boundary
    return data, {"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"}


@pytest.fixture
def customer(client: TestClient) -> dict:
    return start(client, name="Pat")


def assert_nothing_stored(client: TestClient, settings: Settings, key: str) -> None:
    assert files_on_disk(settings) == []
    assert rows(settings, "attachments") == 0
    history = client.get(f"/api/v1/chat/public/session/{key}").json()
    assert history["messages"] == []


# -- what works ----------------------------------------------------------------------------


def test_a_customer_image_is_stored_posted_and_served_back_with_safe_headers(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    key, image = customer["session_key"], png()
    answer = upload(client, key, "Screen shot.png", image, client_id="up-1")
    assert answer.status_code == 201, answer.text
    message = answer.json()["message"]
    attachment = message["attachment"]
    assert attachment == {
        "id": attachment["id"],
        "name": "Screen shot.png",
        "content_type": "image/png",
        "size": len(image),
    }
    assert message["content"] == "Screen shot.png"  # no caption: the name
    assert message["sender_type"] == "customer" and message["client_id"] == "up-1"

    [stored] = files_on_disk(settings)
    assert stored.read_bytes() == image
    assert "Screen" not in stored.name and not stored.name.endswith(".png")  # a random name

    history = client.get(f"/api/v1/chat/public/session/{key}").json()
    assert history["messages"] == [message]

    served = client.get(f"/api/v1/chat/public/session/{key}/files/{attachment['id']}")
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''Screen%20shot.png" in served.headers["content-disposition"]
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["cache-control"] == "private, max-age=3600"
    assert served.headers["cross-origin-resource-policy"] == "cross-origin"
    assert served.headers["access-control-allow-origin"] == "*"


def test_a_caption_is_the_message_and_documents_download_as_attachments(
    client: TestClient, customer: dict
) -> None:
    key = customer["session_key"]
    sent = upload(client, key, "invoice.pdf", PDF, caption="  My invoice\r\nfrom May ")
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["content"] == "My invoice\nfrom May"
    assert message["attachment"]["content_type"] == "application/pdf"
    served = client.get(f"/api/v1/chat/public/session/{key}/files/{message['attachment']['id']}")
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 32, "image/gif"),
        ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp"),
        ("notes.md", "# Notes\nCafé ☕\n".encode(), "text/plain; charset=utf-8"),
        ("data.csv", b"a,b\n1,2\n", "text/plain; charset=utf-8"),
        (
            "letter.docx",
            office("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "sheet.xlsx",
            office("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_each_allowed_type_is_recognised_by_its_content(
    client: TestClient, customer: dict, name: str, body: bytes, content_type: str
) -> None:
    answer = upload(client, customer["session_key"], name, body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["message"]["attachment"]["content_type"] == content_type


def test_a_name_without_an_extension_gets_the_detected_types(
    client: TestClient, customer: dict
) -> None:
    answer = upload(client, customer["session_key"], "screenshot", png())
    assert answer.json()["message"]["attachment"]["name"] == "screenshot.png"


def test_a_repeated_client_id_answers_the_stored_message_and_keeps_one_file(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    key = customer["session_key"]
    first = upload(client, key, "a.png", png(), client_id="same")
    again = upload(client, key, "a.png", png(), client_id="same")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert len(files_on_disk(settings)) == 1
    assert rows(settings, "attachments") == 1
    assert len(client.get(f"/api/v1/chat/public/session/{key}").json()["messages"]) == 1


def test_an_agent_sends_a_file_that_the_customer_downloads(
    client: TestClient, customer: dict
) -> None:
    headers = login(client)
    session_id = customer["session"]["id"]
    sent = client.post(
        f"/api/v1/chat/sessions/{session_id}/attachments",
        headers=headers,
        files={"file": ("steps.txt", b"1. Restart\n2. Retry\n", "text/plain")},
        data={"caption": "Try these steps", "client_id": "agent-file-1"},
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["sender_type"] == "agent" and message["content"] == "Try these steps"
    file_id = message["attachment"]["id"]
    session = client.get(f"/api/v1/chat/sessions/{session_id}", headers=headers).json()["session"]
    assert session["status"] == "active"  # the reply took the conversation, as a message does
    assert session["last_message"]["attachment"] == message["attachment"]

    key = customer["session_key"]
    mine = client.get(f"/api/v1/chat/public/session/{key}/files/{file_id}")
    assert mine.content == b"1. Restart\n2. Retry\n"
    assert mine.headers["content-type"] == "text/plain; charset=utf-8"
    assert mine.headers["content-disposition"].startswith("attachment;")
    theirs = client.get(f"/api/v1/chat/files/{file_id}", headers=headers)
    assert theirs.content == mine.content
    assert theirs.headers["cross-origin-resource-policy"] == "same-origin"
    assert theirs.headers["x-content-type-options"] == "nosniff"


@pytest.mark.anyio
async def test_chat_message_new_carries_the_attachment_on_real_sockets(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        token = await server.login("agent1@callcenter.com")
        started = await server.start(name="Pat")
        key, session_id = started["session_key"], started["session"]["id"]
        agent = await server.agent_socket(token)
        customer = await server.customer_socket(key)
        await agent.next("connection.ready")
        await customer.next("connection.ready")

        sent = await server.http.post(
            PUBLIC_UPLOAD,
            data={"session_key": key, "client_id": "sock-1"},
            files={"file": ("cat.png", png(), "image/png")},
        )
        assert sent.status_code == 201, sent.text
        stored = sent.json()["message"]
        for socket in (agent, customer):
            frame = await socket.next("chat.message.new")
            assert frame["data"]["message"] == stored
            assert frame["data"]["message"]["attachment"]["name"] == "cat.png"
            assert isinstance(frame["event_id"], int)

        reply = await server.http.post(
            f"/api/v1/chat/sessions/{session_id}/attachments",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("guide.pdf", PDF, "application/pdf")},
        )
        assert reply.status_code == 201, reply.text
        frame = await customer.next("chat.message.new")
        assert frame["data"]["message"]["attachment"]["content_type"] == "application/pdf"
        assert frame["data"]["message"]["sender_type"] == "agent"
        # A socket that resumes gets the same stored event back, attachment and all.
        again = await server.customer_socket(key, last_event_id=frame["event_id"] - 1)
        replayed = await again.next("chat.message.new")
        assert replayed["data"]["message"] == frame["data"]["message"]
        for socket in (agent, customer, again):
            await socket.close()


def test_a_restart_sweeps_old_debris_and_keeps_every_file_a_message_carries(
    make_client, settings: Settings
) -> None:
    """What a crash mid-upload leaves (a half-written temp file, a file whose message never
    committed) is removed at the next start once it is an hour old; nothing a message carries is."""
    first = make_client()
    key = start(first, name="Pat")["session_key"]
    assert upload(first, key, "kept.png", png()).status_code == 201
    [kept] = files_on_disk(settings)
    folder = kept.parent
    old, fresh = time.time() - 2 * 3600, time.time()
    debris = [folder / ".upload-0123abcd", folder / "89abcdef0123456789abcdef01234567"]
    for path in debris:
        path.write_bytes(b"left by a crash")
        os.utime(path, (old, old))
    os.utime(kept, (old, old))  # old, but a message carries it
    young = folder / "fedcba9876543210fedcba9876543210"
    young.write_bytes(b"another process may be committing it")
    os.utime(young, (fresh, fresh))
    first.__exit__(None, None, None)

    again = make_client()
    assert files_on_disk(settings) == sorted([kept, young])
    [message] = again.get(f"/api/v1/chat/public/session/{key}").json()["messages"]
    served = again.get(f"/api/v1/chat/public/session/{key}/files/{message['attachment']['id']}")
    assert served.status_code == 200 and served.content == png()


# -- bad input -----------------------------------------------------------------------------


@pytest.fixture
def small(settings: Settings) -> Settings:
    return replace(settings, limits=replace(settings.limits, attachment_max_bytes=4096))


def test_an_oversize_file_is_413_and_nothing_is_stored(make_client, small: Settings) -> None:
    client = make_client(limits=small.limits)
    key = start(client)["session_key"]
    body = b"a" * 4097
    assert_error(upload(client, key, "big.txt", body), 413, "payload_too_large")
    assert_nothing_stored(client, small, key)
    # Exactly at the limit is fine.
    assert upload(client, key, "ok.txt", b"a" * 4096).status_code == 201


def test_a_body_past_the_limit_is_cut_off_while_it_streams(make_client, small: Settings) -> None:
    client = make_client(limits=small.limits)
    key = start(client)["session_key"]
    data, headers = multipart(b"big.txt", b"a" * 200_000, session_key=key)

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting can stop it
        for at in range(0, len(data), 8192):
            yield data[at : at + 8192]

    answer = client.post(PUBLIC_UPLOAD, content=chunks(), headers=headers)
    assert_error(answer, 413, "payload_too_large")
    assert_nothing_stored(client, small, key)


def test_a_declared_length_past_the_default_limit_is_413(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    key = customer["session_key"]
    answer = upload(client, key, "huge.txt", b"a" * (10 * MIB + 1))
    error = assert_error(answer, 413, "payload_too_large")
    assert "10 MiB" in error["message"]
    assert_nothing_stored(client, settings, key)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b'<?xml version="1.0"?><svg/>',
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00",
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40,
        office("other/thing.xml"),
        b"\x00\x01\x02binary",
        "caf\xe9".encode("latin-1"),
    ],
    ids=["html", "svg", "xml", "exe", "elf", "zip", "binary", "latin1"],
)
def test_a_forbidden_type_named_like_an_image_is_refused(
    client: TestClient, settings: Settings, customer: dict, body: bytes
) -> None:
    key = customer["session_key"]
    error = assert_error(upload(client, key, "photo.png", body), 422, "invalid_request")
    assert "PNG, JPEG" in error["message"] or "name ends in .png" in error["message"]
    assert_error(upload(client, key, "page.txt", body), 422, "invalid_request")
    assert_nothing_stored(client, settings, key)


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("report.pdf", png(), "content is a PNG image"),
        ("photo.png", PDF, "content is a PDF document"),
        ("notes.jpg", b"just text", "content is plain text"),
        ("evil.html", b"plain words", "ends in .html"),
        ("run.exe", b"plain words", "ends in .exe"),
    ],
)
def test_an_extension_that_does_not_match_the_content_is_refused(
    client: TestClient, settings: Settings, customer: dict, name: str, body: bytes, said: str
) -> None:
    key = customer["session_key"]
    error = assert_error(upload(client, key, name, body), 422, "invalid_request")
    assert said in error["message"]
    assert_nothing_stored(client, settings, key)


def test_a_name_with_paths_controls_and_html_is_kept_as_a_safe_display_name(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    key = customer["session_key"]
    raw = "..\\..//etc/<img src=x onerror=alert(1)>\x07\u202egnp.txt".encode()
    data, headers = multipart(raw, b"hello", session_key=key)
    answer = client.post(PUBLIC_UPLOAD, content=data, headers=headers)
    assert answer.status_code == 201, answer.text
    name = answer.json()["message"]["attachment"]["name"]
    assert name == "<img src=x onerror=alert(1)>gnp.txt"  # shown as text by both pages
    [stored] = files_on_disk(settings)
    assert stored.parent == settings.data_dir / "files"
    served = client.get(
        f"/api/v1/chat/public/session/{key}/files/{answer.json()['message']['attachment']['id']}"
    )
    disposition = served.headers["content-disposition"]
    assert disposition.isascii() and "<" not in disposition and "\x07" not in disposition
    assert "filename*=UTF-8''%3Cimg%20src%3Dx" in disposition


def test_an_empty_file_a_missing_part_and_malformed_bodies_are_refused(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    key = customer["session_key"]
    assert_error(upload(client, key, "empty.txt", b""), 422, "invalid_request")
    no_file = client.post(PUBLIC_UPLOAD, data={"session_key": key})
    assert "`file`" in assert_error(no_file, 422, "invalid_request")["message"]
    as_text = client.post(PUBLIC_UPLOAD, data={"session_key": key, "file": "not a file"})
    assert_error(as_text, 422, "invalid_request")
    as_json = client.post(PUBLIC_UPLOAD, json={"session_key": key, "file": "x"})
    assert_error(as_json, 422, "invalid_request")
    no_boundary = client.post(
        PUBLIC_UPLOAD, content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert_error(no_boundary, 400, "invalid_request")
    two_files = client.post(
        PUBLIC_UPLOAD,
        data={"session_key": key},
        files=[("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"b", "text/plain"))],
    )
    assert_error(two_files, 400, "invalid_request")
    assert_error(upload(client, key, "a.txt", b"a", client_id="no spaces"), 422, "invalid_request")
    assert_error(upload(client, "no-such-key", "a.txt", b"a"), 404, "not_found")
    no_key = client.post(PUBLIC_UPLOAD, files={"file": ("a.txt", b"a", "text/plain")})
    assert_error(no_key, 422, "invalid_request")
    assert_nothing_stored(client, settings, key)


def test_a_file_of_another_conversation_is_not_found(client: TestClient, customer: dict) -> None:
    other = start(client, name="Sam")
    sent = upload(client, other["session_key"], "secret.png", png())
    file_id = sent.json()["message"]["attachment"]["id"]
    mine = customer["session_key"]
    assert_error(
        client.get(f"/api/v1/chat/public/session/{mine}/files/{file_id}"), 404, "not_found"
    )
    for bad in (str(file_id + 1), "0", "abc", "9" * 30):
        answer = client.get(f"/api/v1/chat/public/session/{other['session_key']}/files/{bad}")
        assert_error(answer, 404, "not_found")
    assert_error(client.get(f"/api/v1/chat/public/session/nope/files/{file_id}"), 404, "not_found")
    # Agents need a credential; with one they get any conversation's file, and 404 for none.
    assert_error(client.get(f"/api/v1/chat/files/{file_id}"), 401, "unauthorized")
    headers = login(client)
    assert client.get(f"/api/v1/chat/files/{file_id}", headers=headers).status_code == 200
    assert_error(client.get(f"/api/v1/chat/files/{file_id + 1}", headers=headers), 404, "not_found")


def test_an_agent_upload_follows_the_rules_of_a_reply(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    session_id = customer["session"]["id"]
    url = f"/api/v1/chat/sessions/{session_id}/attachments"
    files = {"file": ("a.png", png(), "image/png")}
    assert_error(client.post(url, files=files), 401, "unauthorized")
    assert_error(
        client.post("/api/v1/chat/sessions/999/attachments", headers=login(client), files=files),
        404,
        "not_found",
    )
    assert client.post(url, headers=login(client), files=files).status_code == 201  # Alice holds it
    held = client.post(url, headers=login(client, BOB), files=files)
    assert "handling" in assert_error(held, 409, "conflict")["message"]
    client.post(f"/api/v1/chat/sessions/{session_id}/close", headers=login(client))
    assert_error(client.post(url, headers=login(client), files=files), 409, "conflict")
    assert len(files_on_disk(settings)) == 1  # the refused ones were removed again
    assert rows(settings, "attachments") == 1


def test_a_cookie_upload_from_a_foreign_origin_is_refused(
    client: TestClient, settings: Settings, customer: dict
) -> None:
    assert log_in(client).status_code == 303
    url = f"/api/v1/chat/sessions/{customer['session']['id']}/attachments"
    files = {"file": ("a.png", png(), "image/png")}
    foreign = client.post(url, files=files, headers={"Origin": "https://evil.example"})
    assert_error(foreign, 403, "forbidden")
    assert files_on_disk(settings) == []
    own = client.post(url, files=files, headers={"Origin": "http://testserver"})
    assert own.status_code == 201, own.text
    file_id = own.json()["message"]["attachment"]["id"]
    assert client.get(f"/api/v1/chat/files/{file_id}").status_code == 200  # the cookie reads it


def test_uploads_count_against_the_message_rate_limit(make_client, settings: Settings) -> None:
    limits = replace(settings.limits, messages_per_minute=2)
    client = make_client(limits=limits)
    key = start(client)["session_key"]
    client.post("/api/v1/chat/public/message", json={"session_key": key, "content": "hi"})
    assert upload(client, key, "a.png", png()).status_code == 201
    answer = upload(client, key, "b.png", png())
    assert_error(answer, 429, "rate_limited")
    assert int(answer.headers["retry-after"]) >= 1
    assert len(files_on_disk(settings)) == 1
