"""[sync] in the configuration file, validated like the rest (issue #13)."""

from __future__ import annotations

from pathlib import Path

from ir_console.config import SyncConfig, load_config


def load(tmp_path: Path, text: str, environ: dict | None = None):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path, environ or {}), path


def test_a_sync_table_is_read_with_paths_from_the_files_folder(tmp_path: Path) -> None:
    config, _ = load(
        tmp_path,
        '[sync]\nservers = ["tls://a:4222", "tls://b:4222"]\nsubject = "payments.team"\nreplicas = 3\n'
        'user = "alice"\npassword = "${NATS_PASSWORD}"\ntls_ca = "ca.pem"\n',
        {"NATS_PASSWORD": "s3cret"},
    )
    assert config.problems == []
    assert config.sync == SyncConfig(
        servers=("tls://a:4222", "tls://b:4222"),
        subject="payments.team",
        replicas=3,
        user="alice",
        password="${NATS_PASSWORD}",  # expanded when connecting, never kept expanded
        tls_ca=tmp_path / "ca.pem",
    )
    assert "s3cret" not in repr(config)


def test_wrong_sync_values_are_reported_and_sync_stays_off(tmp_path: Path) -> None:
    config, path = load(
        tmp_path,
        '[sync]\nservers = ["http://a:4222"]\nsubject = "has space"\nreplicas = 9\n'
        'password = "${UNSET_PASSWORD}"\ntls_cert = "client.pem"\n',
    )
    assert not config.sync.enabled
    assert [problem.removeprefix(f"{path}: [sync] ") for problem in config.problems] == [
        "servers: must be a list of server URLs (nats://host:4222 or tls://host:4222) (got ['http://a:4222']); "
        "sync is off",
        "subject: must be a NATS subject (team.incidents) (got 'has space'); using 'ir-console'",
        "replicas: must be a whole number from 1 to 5 (got 9); using 1",
        "password: ${UNSET_PASSWORD} is not set in the environment; it is sent empty",
        "tls_cert: tls_cert and tls_key go together; no client certificate is sent",
    ]
