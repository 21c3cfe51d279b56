"""The rules of files (``domain/files.py``): names, sizes, chunks, attachments, ranges, dispositions,
signed URLs."""

from __future__ import annotations

import pytest

from axon.domain.errors import ValidationFailed
from axon.domain.files import (
    CHUNK_BYTES,
    MAX_ATTACHMENTS,
    MAX_NAME_CHARS,
    ByteRange,
    FileTooLarge,
    QuotaExceeded,
    RangeNotSatisfiable,
    UploadOffsetMismatch,
    check_chunk,
    check_quota,
    content_disposition,
    disposition,
    parse_range,
    sanitise_name,
    signature_valid,
    url_signature,
    validate_attachment_ids,
    validate_size,
)


@pytest.mark.parametrize(("given", "expected"), [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "etc_passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("a/b/c.txt", "a_b_c.txt"),
    ("invoice\u202eexe.pdf", "invoiceexe.pdf"),  # the right-to-left override goes
    ("zero\u200bwidth.txt", "zerowidth.txt"),
    ("bell\x07\x00tab\t.txt", "belltab.txt"),
    ("   spaced    out  .txt ", "spaced out .txt"),
    (".hidden", "hidden"),
    ("....", "file"),
    ("", "file"),
    ("/", "file"),
    ("文件 报告.docx", "文件 报告.docx"),
])
def test_names_are_made_safe(given: str, expected: str) -> None:
    assert sanitise_name(given) == expected


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = sanitise_name("x" * 500 + ".tar.gz")
    assert len(name) == MAX_NAME_CHARS and name.endswith(".gz")


def test_a_name_must_be_text() -> None:
    with pytest.raises(ValidationFailed):
        sanitise_name(42)


def test_sizes_from_zero_to_the_limit() -> None:
    assert validate_size(0, 10) == 0
    assert validate_size(10, 10) == 10
    with pytest.raises(FileTooLarge) as big:
        validate_size(11, 10)
    assert big.value.details["limit"] == 10 and big.value.status == 413
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValidationFailed):
            validate_size(bad, 10)


def test_quotas() -> None:
    check_quota(90, 10, 100, "user")
    check_quota(10**12, 10, None, "user")
    with pytest.raises(QuotaExceeded) as over:
        check_quota(91, 10, 100, "organisation")
    assert over.value.details == {"limit": 100, "used": 91, "scope": "organisation"}


def test_a_chunk_must_start_at_the_offset_and_stay_within_the_size() -> None:
    check_chunk(0, 0, CHUNK_BYTES, CHUNK_BYTES + 1)
    with pytest.raises(UploadOffsetMismatch) as behind:
        check_chunk(100, 50, 10, 1000)  # overlapping what is stored
    assert behind.value.details["offset"] == 100 and behind.value.status == 409
    with pytest.raises(UploadOffsetMismatch):
        check_chunk(100, 150, 10, 1000)  # a gap
    with pytest.raises(ValidationFailed):
        check_chunk(0, 0, CHUNK_BYTES + 1, 10 * CHUNK_BYTES)
    with pytest.raises(ValidationFailed):
        check_chunk(990, 990, 11, 1000)


def test_attachment_lists() -> None:
    assert validate_attachment_ids(None) == ()
    assert validate_attachment_ids(["f_1", "f_2"]) == ("f_1", "f_2")
    for bad in ("f_1", [1], ["f_1", "f_1"], ["f_x"] * 0 + [f"f_{i}" for i in range(MAX_ATTACHMENTS + 1)], [""]):
        with pytest.raises(ValidationFailed) as refused:
            validate_attachment_ids(bad)
        assert refused.value.details["field"] == "attachments"


@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("bytes=0-99", ByteRange(0, 100)),
    ("bytes=10-", ByteRange(10, 1000)),
    ("bytes=-10", ByteRange(990, 1000)),
    ("bytes=-5000", ByteRange(0, 1000)),
    ("bytes=900-5000", ByteRange(900, 1000)),
    ("bytes=0-1,5-9", None),  # several ranges: the whole file
    ("items=0-1", None),
    ("bytes=abc", None),
    ("bytes=-", None),
])
def test_range_headers(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=-0"])
def test_ranges_outside_the_file_are_refused(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


def test_only_safe_types_are_shown_inline() -> None:
    for mime in ("image/png", "video/mp4", "audio/ogg", "application/pdf"):
        assert disposition(mime) == "inline"
        assert disposition(mime, force_download=True) == "attachment"
    for mime in ("text/html", "image/svg+xml", "application/xml", "text/javascript", "application/octet-stream"):
        assert disposition(mime) == "attachment"


def test_content_disposition_carries_the_real_name_safely() -> None:
    header = content_disposition("attachment", 'rapport "final"; été.pdf')
    assert header.startswith('attachment; filename="rapport _final__ _t_.pdf"')
    assert header.endswith("filename*=UTF-8''rapport%20%22final%22%3B%20%C3%A9t%C3%A9.pdf")


def test_signed_urls_are_bound_to_user_file_rendition_and_time() -> None:
    key = b"k" * 32
    sig = url_signature(key, "u_1", "f_1", "content", 1_000)
    assert signature_valid(key, "u_1", "f_1", "content", 1_000, sig, now_s=900)
    assert not signature_valid(key, "u_2", "f_1", "content", 1_000, sig, now_s=900)
    assert not signature_valid(key, "u_1", "f_2", "content", 1_000, sig, now_s=900)
    assert not signature_valid(key, "u_1", "f_1", "thumbnail", 1_000, sig, now_s=900)
    assert not signature_valid(key, "u_1", "f_1", "content", 1_000, sig, now_s=1_001)  # expired
    assert not signature_valid(b"x" * 32, "u_1", "f_1", "content", 1_000, sig, now_s=900)
    far = url_signature(key, "u_1", "f_1", "content", 10**9)
    assert not signature_valid(key, "u_1", "f_1", "content", 10**9, far, now_s=900)  # too far ahead
