"""The OpenAI-compatible test server as pytest fixtures, for any backend: a real model or none (every reply scripted).

One factory, :func:`model_server_fixtures`, serves every test module that runs a
:class:`~support.openai_server.ModelServer`: the prompted-LF tests that count requests or script replies
(tests/test_labelers_dead_endpoint.py, tests/test_labelers_no_answer_warning.py, through
:func:`scripted_server_fixtures`) and the HTTP tests with a real model behind the server
(tests/test_labelers_model.py).  A test module binds the two fixtures to its own names, so pytest finds them
there::

    server, clean = scripted_server_fixtures(ScriptedModel("Qwen3-8B"))
    server, clean_server = model_server_fixtures("tiny_backend")  # the backend from that fixture

``server`` is one :class:`~support.openai_server.ModelServer` for the module; the second is that server for one
test, with no fault or scripted reply left from another test.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from support.openai_server import ModelServer


class ScriptedModel:
    """What ModelServer needs of a backend when every reply is scripted: a name and a chat rendering.

    Parameters
    ----------
    model : str
        The model name the server reports and expects in requests.
    too_long : str, optional
        A prompt containing it is refused with HTTP 400, as an endpoint refuses a prompt over the model's
        context length (default: none is).
    """

    def __init__(self, model: str, too_long: str | None = None) -> None:
        self.model = model
        self.too_long = too_long

    def render_messages(self, messages: list[dict[str, Any]]) -> str:
        text = "\n".join(m["content"] for m in messages)
        if self.too_long is not None and self.too_long in text:  # the server answers a ValueError with HTTP 400
            raise ValueError("This model's maximum context length is 4096 tokens")
        return text


def model_server_fixtures(backend: Any, *,
                          idle_timeout: float = 600.0) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The fixtures ``server`` (module scope: one server started for the module) and a clean server (per test).

    Parameters
    ----------
    backend : object or str
        The backend the server serves (anything :class:`~support.openai_server.ModelServer` takes), or the name
        of a fixture that gives it (a real model loaded once for the module, say).
    idle_timeout : float, default 600
        Seconds the per-test fixture waits, before and after the test, for requests still being handled.

    Returns
    -------
    server, clean : pytest fixtures
        Bind them to module names: ``server`` by that name (the per-test fixture asks for it), the per-test one
        by any name.
    """

    @pytest.fixture(scope="module")
    def server(request):
        srv = ModelServer(request.getfixturevalue(backend) if isinstance(backend, str) else backend).start()
        yield srv
        srv.stop()

    @pytest.fixture
    def clean(server):
        # wait_idle: a reply held back ("slow") is still being handled after the client gave up; it must not
        # reach the next test's request counts
        server.clear_faults()
        server.wait_idle(idle_timeout)
        yield server
        server.clear_faults()
        server.wait_idle(idle_timeout)

    return server, clean


def scripted_server_fixtures(model: ScriptedModel) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """:func:`model_server_fixtures` for a server whose every reply is scripted (nothing to wait for long).

    Parameters
    ----------
    model : ScriptedModel
        The backend the server stands for.

    Returns
    -------
    server, clean : pytest fixtures
        Bind them to module names ``server`` and ``clean``.
    """
    return model_server_fixtures(model, idle_timeout=30)
