"""The media analyser: what an upload's bytes really are, and what clients show for them.

An adapter like ``axon/identity``: it implements the ``MediaAnalyser`` port of ``services/ports.py``
with third-party decoders, and only the composition root builds it (the domain and the services
never import it; an import-linter contract says so).

- ``sniff``: the real type from the content (libmagic), the name's extension only as a tie-breaker
  between text formats;
- ``images``: dimensions after EXIF orientation, a WebP thumbnail, animation, the pixel limit (Pillow);
- ``exif``: the GPS position removed without re-encoding a pixel (JPEG, PNG, WebP);
- ``pdf``: page count and a first-page thumbnail (PDFium through ``pypdfium2``);
- ``timed``: audio and video through FFmpeg (PyAV): duration, dimensions, a poster frame;
- ``waveform``: a voice message's or an audio file's peaks, decoded as a stream;
- ``analyser``: ``MediaProbe``, the port's implementation tying them together.

Everything is synchronous, CPU-bound and reads the file as a stream or by seeking: the caller runs
it in a worker thread, and memory stays bounded whatever the file's size.
"""

from .analyser import MediaProbe

__all__ = ["MediaProbe"]
