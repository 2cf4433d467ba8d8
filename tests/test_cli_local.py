"""The entry points with the local provider: `habla chat` answered by llama.cpp in-process with no endpoint
configured, `habla doctor` reporting the model, `habla model pull` offline."""

from __future__ import annotations

from tests.llm.local_support import smollm2_path
from habla_testkit.processes import habla_env, run_habla


def _local_env(**extra: str) -> dict[str, str]:
    return habla_env(**{
        "HABLA_LLM__FAST__PROVIDER": "local",
        "HABLA_LLM__FAST__MODEL": str(smollm2_path()),
        "HABLA_LLM__FAST__MAX_TOKENS": "40",
        "HABLA_LLM__FAST__TIMEOUT_S": "120",
        "HABLA_LLM__LOCAL__THREADS": "1",
        **extra,
    })


def test_chat_is_answered_by_the_local_model_with_no_endpoint(tmp_path):
    result = run_habla("chat", "--name", "ana", "--agents", "conversation,sender", env=_local_env(), cwd=tmp_path,
                       input="Hola, me llamo Ana\n".encode())
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode().strip()
    assert out and "language model" not in out and "no language model" not in result.stderr.decode()
    assert "llama" not in result.stderr.decode().lower()  # llama.cpp's own logging stays out of the terminal


def test_chat_with_a_missing_model_file_says_how_to_get_one(tmp_path):
    env = _local_env(HABLA_LLM__FAST__MODEL=str(tmp_path / "nowhere.gguf"))
    result = run_habla("chat", env=env, cwd=tmp_path, input=b"Hola\n")
    assert result.returncode == 2
    [line] = result.stderr.decode().strip().splitlines()
    assert "nowhere.gguf" in line and "habla model pull" in line and "HABLA_LLM__FAST__" in line


def test_doctor_reports_the_local_model_measured_here(tmp_path):
    result = run_habla("doctor", env=_local_env(), cwd=tmp_path)
    line = next(line for line in result.stdout.decode().splitlines() if "llm.fast" in line)
    assert line.startswith("[ok  ]"), line
    assert "SmolLM2-135M-Instruct.Q4_1.gguf" in line and "98 MB" in line and "Q4_1" in line
    assert "loaded in" in line and "tokens/s here" in line


def test_model_pull_without_internet_is_one_clear_line(tmp_path):
    # a closed loopback port stands in for "no internet": the same connection error, without waiting on DNS
    env = habla_env(HF_ENDPOINT="http://127.0.0.1:9", HABLA_LLM__LOCAL__MODELS_DIR=str(tmp_path / "models"))
    result = run_habla("model", "pull", env=env, cwd=tmp_path)
    assert result.returncode == 1
    last = result.stderr.decode().strip().splitlines()[-1]
    assert "Traceback" not in result.stderr.decode()
    assert "by hand" in last and "https://huggingface.co/bartowski/Qwen2.5-3B-Instruct-GGUF/resolve/main/" in last
    assert str(tmp_path / "models" / "Qwen2.5-3B-Instruct-Q4_K_M.gguf") in last
    unknown = run_habla("model", "pull", "gpt-17", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "qwen2.5-3b" in unknown.stderr.decode()
