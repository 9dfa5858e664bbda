import io
import os
import struct
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from locum.app import create_app
from locum.instances.service import InstanceKeys
from locum.resources.images.uploads import MAX_BODY_BYTES, MAX_IMAGE_BYTES, MAX_PIXELS
from locum.settings import Settings
from tests.builders import make_user
from tests.conftest import TEST_ORIGIN, RecordedEvents, api_client


def image_bytes(fmt: str, size: tuple[int, int] = (3, 2), color: tuple[int, int, int] = (200, 30, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def noisy_png(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_without_pixels(width: int, height: int) -> bytes:
    """A 1-bit grayscale PNG whose header claims width x height, with empty pixel data."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", b"") + png_chunk(b"IEND", b"")


def multipart_body(content: bytes, boundary: str = "locumboundary") -> tuple[bytes, str]:
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def upload(
    client: httpx.AsyncClient, user_id: str, content: bytes, content_type: str = "image/png"
) -> httpx.Response:
    return await client.post(f"/v1/users/{user_id}/profile_image", files={"file": ("avatar", content, content_type)})


class TestSetUserProfileImage:
    async def test_sets_image_served_without_auth(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        user = await make_user(client)
        assert user["has_image"] is False
        content = image_bytes("PNG")
        response = await upload(client, user["id"], content)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["has_image"] is True
        assert updated["image_url"].startswith(f"{TEST_ORIGIN}/locum/images/img_")
        assert updated["profile_image_url"] == updated["image_url"]
        assert (await client.get(f"/v1/users/{user['id']}")).json() == updated
        async with api_client(app, None) as anonymous:
            served = await anonymous.get(updated["image_url"])
        assert served.status_code == 200
        assert served.content == content
        assert served.headers["content-type"] == "image/png"

    @pytest.mark.parametrize(
        ("fmt", "content_type"),
        [
            pytest.param("JPEG", "image/jpeg", id="jpeg"),
            pytest.param("PNG", "image/png", id="png"),
            pytest.param("GIF", "image/gif", id="gif"),
            pytest.param("WEBP", "image/webp", id="webp"),
        ],
    )
    async def test_format_comes_from_the_bytes(self, client: httpx.AsyncClient, fmt: str, content_type: str) -> None:
        user = await make_user(client)
        content = image_bytes(fmt)
        response = await upload(client, user["id"], content, "application/octet-stream")
        assert response.status_code == 200, response.text
        served = await client.get(response.json()["image_url"])
        assert served.headers["content-type"] == content_type
        assert served.content == content

    async def test_replacing_removes_the_previous_image(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        first = (await upload(client, user["id"], image_bytes("PNG"))).json()["image_url"]
        second_content = image_bytes("PNG", color=(0, 0, 255))
        second = (await upload(client, user["id"], second_content)).json()["image_url"]
        assert second != first
        assert (await client.get(first)).status_code == 404
        assert (await client.get(second)).content == second_content

    async def test_image_shared_through_update_user_survives(self, client: httpx.AsyncClient) -> None:
        owner, sharer = await make_user(client), await make_user(client)
        url = (await upload(client, owner["id"], image_bytes("PNG"))).json()["image_url"]
        image_id = url.rsplit("/", 1)[1]
        response = await client.patch(f"/v1/users/{sharer['id']}", json={"profile_image_id": image_id})
        assert response.json()["image_url"] == url
        await upload(client, owner["id"], image_bytes("GIF"))
        assert (await client.get(url)).status_code == 200

    async def test_records_user_updated(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        updated = (await upload(client, user["id"], image_bytes("PNG"))).json()
        assert (await recorded_events())[-1] == ("user.updated", updated)

    @pytest.mark.parametrize(
        ("files", "code"),
        [
            pytest.param(
                {"file": ("a.png", b"hello, not an image", "image/png")},
                "request_body_invalid",
                id="text-as-png",
            ),
            pytest.param({"file": ("a.bmp", image_bytes("BMP"), "image/bmp")}, "request_body_invalid", id="bmp"),
            pytest.param({"file": ("a.png", noisy_png()[:4000], "image/png")}, "request_body_invalid", id="truncated"),
            pytest.param({"file": ("a.png", b"", "image/png")}, "request_body_invalid", id="empty-file"),
            pytest.param(
                {"avatar": ("a.png", image_bytes("PNG"), "image/png")},
                "form_param_missing",
                id="no-file-field",
            ),
            pytest.param(
                {
                    "file": ("a.png", image_bytes("PNG"), "image/png"),
                    "other": ("b.png", image_bytes("PNG"), "image/png"),
                },
                "request_body_invalid",
                id="two-files",
            ),
        ],
    )
    async def test_bad_upload_is_400(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, files: dict, code: str
    ) -> None:
        user = await make_user(client)
        before = await recorded_events()
        response = await client.post(f"/v1/users/{user['id']}/profile_image", files=files)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["code"] == code
        assert await recorded_events() == before
        assert (await client.get(f"/v1/users/{user['id']}")).json()["has_image"] is False

    async def test_missing_file_names_the_param(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/profile_image", files={"note": (None, b"x")})
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["code"] == "form_param_missing" and error["meta"] == {"param_name": "file"}

    async def test_empty_body_is_a_missing_file(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/profile_image")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "form_param_missing"

    async def test_too_many_pixels_is_refused_before_decoding(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await upload(client, user["id"], png_without_pixels(MAX_PIXELS + 1, 1))
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["code"] == "request_body_invalid" and "pixels" in error["long_message"]

    @pytest.mark.parametrize(
        ("kwargs"),
        [
            pytest.param({"json": {"file": "aGVsbG8="}}, id="json"),
            pytest.param({"data": {"file": "plain text"}}, id="urlencoded"),
            pytest.param(
                {"content": b"--x\r\nnot multipart", "headers": {"content-type": "multipart/form-data"}},
                id="no-boundary",
            ),
        ],
    )
    async def test_body_that_is_not_a_file_upload(self, client: httpx.AsyncClient, kwargs: dict) -> None:
        user = await make_user(client)
        response = await client.post(f"/v1/users/{user['id']}/profile_image", **kwargs)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "request_body_invalid"

    async def test_file_sent_as_a_text_field(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        body = b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nhello\r\n--b--\r\n'
        response = await client.post(
            f"/v1/users/{user['id']}/profile_image",
            content=body,
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "request_body_invalid"

    async def test_file_over_10_mb_is_413(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        response = await upload(client, user["id"], b"\0" * (MAX_IMAGE_BYTES + 1))
        assert response.status_code == 413
        assert response.json()["errors"][0]["code"] == "image_too_large"
        assert [event for event, _ in await recorded_events()] == ["user.created"]

    async def test_declared_body_over_the_limit_is_refused_unread(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        body, content_type = multipart_body(b"\0" * (MAX_BODY_BYTES + 1))
        response = await client.post(
            f"/v1/users/{user['id']}/profile_image", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 413
        assert response.json()["errors"][0]["code"] == "image_too_large"

    async def test_streamed_body_is_cut_off_at_the_limit(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        body, content_type = multipart_body(b"\0" * (2 * MAX_BODY_BYTES))
        chunk_size = 64 * 1024
        sent = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal sent
            for start in range(0, len(body), chunk_size):
                sent += chunk_size
                yield body[start : start + chunk_size]

        # No Content-Length: the size is only known by counting while reading.
        response = await client.post(
            f"/v1/users/{user['id']}/profile_image", content=chunks(), headers={"content-type": content_type}
        )
        assert response.status_code == 413
        assert response.json()["errors"][0]["code"] == "image_too_large"
        assert sent <= MAX_BODY_BYTES + chunk_size

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        response = await upload(client, "user_unknown", image_bytes("PNG"))
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"

    async def test_other_instance_user(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await upload(other_client, user["id"], image_bytes("PNG"))
        assert response.status_code == 404
        assert (await client.get(f"/v1/users/{user['id']}")).json()["has_image"] is False

    async def test_requires_secret_key(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        client.headers.pop("Authorization")
        response = await upload(client, user["id"], image_bytes("PNG"))
        assert response.status_code == 401


class TestDeleteUserProfileImage:
    async def test_removes_image(
        self, client: httpx.AsyncClient, app: FastAPI, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        image_url = (await upload(client, user["id"], image_bytes("PNG"))).json()["image_url"]
        response = await client.delete(f"/v1/users/{user['id']}/profile_image")
        assert response.status_code == 200
        cleared = response.json()
        assert cleared["has_image"] is False
        assert cleared["image_url"] == f"{TEST_ORIGIN}/locum/images/default"
        assert (await client.get(f"/v1/users/{user['id']}")).json() == cleared
        assert (await recorded_events())[-1] == ("user.updated", cleared)
        async with api_client(app, None) as anonymous:
            assert (await anonymous.get(image_url)).status_code == 404
            default = await anonymous.get(cleared["image_url"])
        assert default.status_code == 200 and default.headers["content-type"] == "image/svg+xml"

    async def test_without_image_changes_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        response = await client.delete(f"/v1/users/{user['id']}/profile_image")
        assert response.status_code == 200
        assert response.json() == user
        assert [event for event, _ in await recorded_events()] == ["user.created"]

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/v1/users/user_unknown/profile_image")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"

    async def test_other_instance_user(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await upload(client, user["id"], image_bytes("PNG"))
        response = await other_client.delete(f"/v1/users/{user['id']}/profile_image")
        assert response.status_code == 404
        assert (await client.get(f"/v1/users/{user['id']}")).json()["has_image"] is True


async def test_image_urls_follow_the_server_origin(
    client: httpx.AsyncClient, settings: Settings, instance: InstanceKeys
) -> None:
    """A stored user read by a server started at another address names that address."""
    user = await make_user(client)
    await upload(client, user["id"], image_bytes("PNG"))
    moved = create_app(settings.model_copy(update={"public_url": "http://moved.test:9"}))
    async with moved.router.lifespan_context(moved), api_client(moved, instance.secret_key) as elsewhere:
        single = (await elsewhere.get(f"/v1/users/{user['id']}")).json()
        listed = (await elsewhere.get("/v1/users", params={"user_id": user["id"]})).json()[0]
    for document in (single, listed):
        assert document["image_url"].startswith("http://moved.test:9/locum/images/img_")
        assert document["profile_image_url"] == document["image_url"]
