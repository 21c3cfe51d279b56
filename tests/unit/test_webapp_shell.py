"""The app shell the service worker caches (axon/api/webapp.py): which files, and a version that
changes with any of them, so a deploy replaces the browsers' cache."""

from __future__ import annotations

from pathlib import Path

from axon.api.webapp import cache_control, scan_shell


def make_web(root: Path) -> Path:
    for name, text in {"index.html": "<html>", "js/main.js": "1", "css/app.css": "a{}", "icons/i.png": "png",
                       "sw.js": "// worker", "vendor/README.md": "notes"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_shell_lists_the_client_files_but_not_the_worker_or_notes(tmp_path: Path) -> None:
    shell = scan_shell(make_web(tmp_path))
    assert shell.urls == ("/css/app.css", "/icons/i.png", "/", "/js/main.js")


def test_the_version_changes_with_any_shell_file_and_only_then(tmp_path: Path) -> None:
    web = make_web(tmp_path)
    first = scan_shell(web).version
    assert scan_shell(web).version == first
    (web / "vendor" / "README.md").write_text("other notes")
    assert scan_shell(web).version == first
    (web / "js" / "main.js").write_text("2")
    second = scan_shell(web).version
    assert second != first
    (web / "sw.js").write_text("// a new worker")
    assert scan_shell(web).version not in (first, second)


def test_the_worker_starts_with_the_shell_manifest(tmp_path: Path) -> None:
    web = make_web(tmp_path)
    shell = scan_shell(web)
    source = shell.worker_source(web).decode()
    assert source.startswith(f'const SHELL = {{"version":"{shell.version}","files":["/css/app.css","/icons/i.png","/",')
    assert source.endswith("// worker")


def test_images_are_cached_for_a_day_everything_else_is_revalidated() -> None:
    assert cache_control("/x/icons/icon-192.png") == "public, max-age=86400"
    assert cache_control("/x/icon.svg") == "public, max-age=86400"
    assert cache_control("/x/js/main.js") == "no-cache"
    assert cache_control("/x/index.html") == "no-cache"
