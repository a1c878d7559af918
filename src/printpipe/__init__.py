"""printpipe: an annual report and a house style in, press, screen and archive PDFs out."""

from __future__ import annotations

__version__ = "0.1.0"
