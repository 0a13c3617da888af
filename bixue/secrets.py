"""The one place Bixue reads a Prefect Secret block: the rest of bixue/ stays Prefect-free.

Prefect is imported only when a block is asked for (a password missing from the environment),
so the command line and the tests without a server never load it. The value is returned to
the caller that needs it at that moment and never logged or stored.
"""

from __future__ import annotations

from typing import Any


class SecretBlockUnavailableError(Exception):
    """The block could not be read: not saved, no Prefect API, or Prefect not installed."""


def block_secret(name: str) -> str:
    """The value of the Prefect Secret block `name`, read now from the configured Prefect API."""
    try:
        from prefect.blocks.system import Secret
        from prefect.settings import get_current_settings
    except ImportError as exc:  # pragma: no cover - prefect is a dependency
        raise SecretBlockUnavailableError("未安装 Prefect") from exc
    if not get_current_settings().api.url:  # never start a temporary server just to look
        raise SecretBlockUnavailableError("未配置 Prefect 服务地址 PREFECT_API_URL")
    try:
        block: Secret[Any] = Secret.load(name, _sync=True)  # type: ignore[call-arg,assignment]
    except ValueError:
        raise SecretBlockUnavailableError("Prefect 中没有保存该密钥块") from None
    except Exception as exc:  # an unreachable API, ...: the type only, never the details
        raise SecretBlockUnavailableError(f"无法连接 Prefect 服务：{type(exc).__name__}") from None
    value = block.get()
    if not isinstance(value, str) or not value:
        raise SecretBlockUnavailableError("块中没有文本值")
    return value
