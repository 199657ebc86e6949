import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db


def _png(size=(20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def test_staff_upload_a_real_image(staff_client, settings):
    upload = SimpleUploadedFile("photo.png", _png(), content_type="image/png")
    response = staff_client.post("/staff/markdown/upload/", {"image": upload})
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![Describe this image](/media/uploads/") and code.endswith(".png)")
    stored = list((settings.MEDIA_ROOT / "uploads").iterdir())
    assert len(stored) == 1 and Image.open(stored[0]).size == (20, 10)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("evil.png", b"<script>alert(1)</script>", "image/png"),
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        ("evil.html", b"<html></html>", "text/html"),
        ("fake.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg"),
    ],
)
def test_uploads_that_are_not_images_are_refused(
    staff_client, settings, name, content, content_type
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = staff_client.post("/staff/markdown/upload/", {"image": upload})
    assert response.status_code == 400
    assert "JPEG, PNG, GIF or WebP" in response.json()["image_code"]
    assert not (settings.MEDIA_ROOT / "uploads").exists()


def test_oversized_upload_is_refused(staff_client, settings):
    settings.MARKDOWNX_UPLOAD_MAX_SIZE = 100
    upload = SimpleUploadedFile("big.png", _png((200, 200)), content_type="image/png")
    response = staff_client.post("/staff/markdown/upload/", {"image": upload})
    assert response.status_code == 400 and "too large" in response.json()["image_code"]


def test_the_public_cannot_upload_or_preview(client):
    upload = SimpleUploadedFile("photo.png", _png(), content_type="image/png")
    assert client.post("/staff/markdown/upload/", {"image": upload}).status_code == 302
    assert client.post("/staff/markdown/preview/", {"content": "hi"}).status_code == 302


def test_preview_is_sanitised(staff_client):
    response = staff_client.post(
        "/staff/markdown/preview/", {"content": "**hi** <script>x()</script>"}
    )
    assert "<strong>hi</strong>" in response.content.decode()
    assert "<script" not in response.content.decode()
