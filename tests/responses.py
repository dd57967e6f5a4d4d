"""Reading responses in tests, streamed or not."""

from django.http import HttpResponseBase


def body(response: HttpResponseBase) -> bytes:
    """The whole body of ``response``. A streamed one (the list exports) is read once, on
    the first call, and kept: its queries run then, and a stream cannot be read twice."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "_read_body"):
        response._read_body = b"".join(response.streaming_content)
    return response._read_body
