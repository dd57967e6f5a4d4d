"""Where an admin import keeps the uploaded file between its preview and "Confirm
import", and how the confirm step proves the file is the user's own.

import-export writes the upload to a temporary storage at the preview and puts
the storage's name in the confirm form; on confirm it reads the posted name and
deletes that file. Its default storage is the system's /tmp, and it trusts the
posted name: anyone allowed to import could have a file of /tmp read (its first
line shown in the error message) and deleted.

Here (settings.IMPORT_EXPORT_TMP_STORAGE_CLASS):

- ``PrivateUploadStorage`` keeps uploads in ``PRIVATE_MEDIA_ROOT/imports`` (a
  folder never served), under random names, and reads or deletes nothing
  whose name is not of that form;
- the confirm form carries ``sign(name, request)`` instead of the name: a token
  signed with SECRET_KEY that binds the name to the user and the session and
  expires after ``IMPORT_UPLOAD_MAX_AGE`` seconds; ``unsign`` refuses any other
  (cpdash.admin.PrivateUploadMixin);
- uploads not confirmed are deleted once they are older than that: at each new
  upload, and by ``manage.py clean_import_uploads``.
"""

import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from import_export.tmp_storages import BaseStorage

SALT = "cpdash.uploads.confirm-import"
NAME = re.compile(r"[0-9a-f]{32}")


class UploadTokenError(Exception):
    """The posted confirm token is not one this user got in this session, or it expired."""


def upload_folder() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "imports"


class PrivateUploadStorage(BaseStorage):
    """import-export's temporary storage for the upload, in ``upload_folder()``."""

    def save(self, data: bytes | str) -> None:
        remove_stale_uploads()
        folder = upload_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.name = secrets.token_hex(16)
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        descriptor = os.open(self.path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self) -> bytes | str:
        with open(self.path(), self.read_mode, encoding=self.encoding) as file:
            return file.read()

    def remove(self) -> None:
        self.path().unlink()

    def path(self) -> Path:
        """The file, only for a name this storage could have made: any other is
        reported as missing (FileNotFoundError, see cpdash.admin.ConfirmOnceMixin)."""
        if not isinstance(self.name, str) or not NAME.fullmatch(self.name):
            raise FileNotFoundError(f"not an upload name: {self.name!r}")
        return upload_folder() / self.name


def remove_stale_uploads(max_age: float | None = None) -> int:
    """Deletes the uploads older than ``max_age`` seconds (IMPORT_UPLOAD_MAX_AGE):
    previews never confirmed. Returns how many."""
    max_age = settings.IMPORT_UPLOAD_MAX_AGE if max_age is None else max_age
    folder = upload_folder()
    if not folder.is_dir():
        return 0
    oldest = time.time() - max_age
    removed = 0
    for path in folder.iterdir():
        try:
            if NAME.fullmatch(path.name) and path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile, by its confirm or another clean-up
            continue
    return removed


def _session_digest(request: HttpRequest) -> str:
    """Stands for the session in the token, which the page shows: not the session key itself."""
    return salted_hmac(SALT, request.session.session_key or "").hexdigest()[:32]


def sign(name: str, request: HttpRequest) -> str:
    """The token the confirm form carries for the upload ``name``."""
    return signing.dumps({"name": name, "user": request.user.pk, "session": _session_digest(request)}, salt=SALT)


def unsign(token: str, request: HttpRequest) -> str:
    """The upload name in ``token``; UploadTokenError, with the user's message,
    unless this user got it in this session less than IMPORT_UPLOAD_MAX_AGE ago."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.IMPORT_UPLOAD_MAX_AGE)
    except signing.SignatureExpired as error:
        raise UploadTokenError(
            gettext("This preview is more than %(minutes)d minutes old: upload the file again.")
            % {"minutes": settings.IMPORT_UPLOAD_MAX_AGE // 60}
        ) from error
    except signing.BadSignature as error:
        raise UploadTokenError(
            gettext("This import cannot be confirmed: its form was changed. Upload the file again.")
        ) from error
    if (
        not isinstance(payload, dict)
        or payload.get("user") != request.user.pk
        or payload.get("session") != _session_digest(request)
        or not NAME.fullmatch(str(payload.get("name", "")))
    ):
        raise UploadTokenError(
            gettext(
                "This import was previewed by another user or in another session: upload the file again to import it."
            )
        )
    return payload["name"]
