"""A deterministic simulated syndication web for tests, the demo and benchmarks.

``generate()`` builds the web (outlets, stories, copies, hostile pages, ground truth);
``serve()`` answers for it as an HTTP forward proxy on 127.0.0.1.
"""

from .model import Response
from .server import SimWebServer, serve
from .web import SimWeb, generate

__all__ = ["Response", "SimWeb", "SimWebServer", "generate", "serve"]
