from tests.sessions.support import cli_env, fake_kubectl, store

__all__ = ["cli_env", "fake_kubectl", "store"]
