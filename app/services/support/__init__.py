"""Plumbing the domains share: CSV files and spreadsheets, the search index, the media library and
its storage, PDF documents, slugs, backups.

This module is the package's public surface: import from here, never from a module inside it
(``make lint`` checks it).
"""

from app.services.support.backup import (
    BackupError,
    create as create_backup,
    describe as describe_backup,
    restore as restore_backup,
)
from app.services.support.csvfile import (
    SAMPLE as SAMPLE_BYTES,
    DecodedStream,
    FIELD_LIMITS,
    reader as csv_reader,
    detect_delimiter,
    is_text,
    is_workbook,
    map_headers,
    not_text_error,
    workbook_error,
)
from app.services.support.documents import render_pdf
from app.services.support.media import (
    MediaError,
    find as find_media,
    image_block,
    insert_into as insert_media_into,
    media_dir,
    url as media_url,
    push_to_bucket,
    store as store_media,
)
from app.services.support.media_storage import (
    CACHE_CONTROL,
    LocalStorage,
    NotModified,
    NotStored,
    S3Storage,
    StorageError,
    current as current_media_storage,
)
from app.services.support.slugs import slugify, unique_slug
from app.services.support.spreadsheet import excel_csv, formula_like, text_cell
from app.services.support.typography import typeset_french_page

__all__ = [
    "BackupError", "CACHE_CONTROL", "DecodedStream", "FIELD_LIMITS", "LocalStorage", "MediaError",
    "NotModified", "NotStored", "S3Storage", "StorageError", "create_backup", "csv_reader", "describe_backup",
    "detect_delimiter", "excel_csv", "find_media", "formula_like", "text_cell", "image_block", "insert_media_into", "is_text",
    "SAMPLE_BYTES", "is_workbook", "map_headers", "not_text_error", "media_dir",
    "current_media_storage", "media_url", "push_to_bucket", "render_pdf", "restore_backup", "slugify", "store_media",
    "typeset_french_page", "unique_slug", "workbook_error",
]
