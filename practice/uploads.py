"""The Markdown editor's endpoints, restricted to staff.

django-markdownx's own views trust the browser's content type and let anyone preview.
These replace them: preview renders through the same sanitiser as saved content, and an
upload must really decode as a raster image of an allowed kind and size before it is
re-encoded and stored under a random name. SVG is refused (it can carry script).
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST
from PIL import Image, UnidentifiedImageError

from practice.markdown import render_markdown
from practice.permissions import writer_required

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


@writer_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_markdown(request.POST.get("content", "")[:200_000]))


def _error(message: str) -> JsonResponse:
    return JsonResponse({"image_code": message}, status=400)


@writer_required
@require_POST
def image_upload(request: HttpRequest) -> JsonResponse:
    upload = request.FILES.get("image")
    if upload is None:
        return _error("Choose an image to upload.")
    if upload.size > settings.MARKDOWNX_UPLOAD_MAX_SIZE:
        return _error("That image is too large: the limit is 2 MB.")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            return _error("That image has too many pixels.")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return _error("That file is not an image we can use: upload a JPEG, PNG, GIF or WebP.")
    if image_format not in ALLOWED_FORMATS:
        return _error("Upload a JPEG, PNG, GIF or WebP image.")

    # Re-encoding drops anything smuggled after the image data and strips metadata.
    image.thumbnail(settings.MARKDOWNX_IMAGE_MAX_SIZE["size"])
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    output = io.BytesIO()
    save_kwargs = (
        {"quality": settings.MARKDOWNX_IMAGE_MAX_SIZE["quality"]}
        if image_format in ("JPEG", "WEBP")
        else {}
    )
    image.save(output, format=image_format, **save_kwargs)
    name = f"{settings.MARKDOWNX_MEDIA_PATH}{uuid.uuid4().hex}.{ALLOWED_FORMATS[image_format]}"
    stored = default_storage.save(name, ContentFile(output.getvalue()))
    return JsonResponse({"image_code": f"![Describe this image]({default_storage.url(stored)})"})
