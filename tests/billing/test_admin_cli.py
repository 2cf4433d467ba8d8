"""`habla admin block|unblock|list` through the real command, and what a blocked learner sees in `habla chat`."""

from __future__ import annotations

from habla_testkit.processes import habla_env, run_habla


def _llm_env(emulator) -> dict[str, str]:
    return {"HABLA_LLM__FAST__BASE_URL": emulator.openai_base_url, "HABLA_LLM__FAST__MODEL": "emulated-fast",
            "HABLA_LLM__FAST__API_KEY": "test-key"}


def test_block_list_unblock_and_a_blocked_chat_gets_no_answer(tmp_path, llm_emulator):
    env = habla_env(**_llm_env(llm_emulator))
    blocked = run_habla("admin", "block", "Spammer", env=env, cwd=tmp_path)
    assert blocked.returncode == 0 and blocked.stdout.decode().strip() == "blocked spammer"
    assert run_habla("admin", "block", "+34 600 000 009", env=env, cwd=tmp_path).stdout.decode().strip() == "blocked 34600000009"
    listed = run_habla("admin", "list", env=env, cwd=tmp_path).stdout.decode().splitlines()
    assert [line.split()[0] for line in listed] == ["spammer", "34600000009"]

    silent = run_habla("chat", "--name", "spammer", "--timeout", "3", env=env, cwd=tmp_path, input=b"hola\n")
    assert silent.returncode == 1 and "«" not in silent.stdout.decode() and llm_emulator.requests == []

    assert run_habla("admin", "unblock", "spammer", env=env, cwd=tmp_path).stdout.decode().strip() == "unblocked spammer"
    again = run_habla("admin", "unblock", "spammer", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "was not blocked" in again.stdout.decode()
    answered = run_habla("chat", "--name", "spammer", env=env, cwd=tmp_path, input=b"hola\n")
    assert answered.returncode == 0 and "«hola»" in answered.stdout.decode()


def test_admin_errors_are_one_line(tmp_path):
    for env, args in (
        (habla_env(HABLA_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"), ("admin", "list")),
        (habla_env(HABLA_DATABASE_URL="nosuchdb://x"), ("admin", "block", "ana")),
        (habla_env(), ("admin", "block", "   ")),
    ):
        result = run_habla(*args, env=env, cwd=tmp_path)
        err = result.stderr.decode().strip()
        assert result.returncode == 1 and err.startswith("error: ") and len(err.splitlines()) == 1, err
        assert "Traceback" not in err


def test_doctor_says_what_billing_misses_and_that_stripe_answers(tmp_path, stripe_emulator):
    from tests.billing.conftest import PAYMENT_LINK
    from habla_testkit.emulators.stripe import API_KEY, WEBHOOK_SECRET

    half = run_habla("doctor", env=habla_env(HABLA_STRIPE__PAYMENT_LINK=PAYMENT_LINK), cwd=tmp_path).stdout.decode()
    assert "[FAIL] billing" in half and "HABLA_STRIPE__WEBHOOK_SECRET" in half and "HABLA_STRIPE__API_KEY unset" in half
    full = run_habla("doctor", env=habla_env(
        HABLA_STRIPE__PAYMENT_LINK=PAYMENT_LINK, HABLA_STRIPE__WEBHOOK_SECRET=WEBHOOK_SECRET,
        HABLA_STRIPE__API_KEY=API_KEY, HABLA_STRIPE__API_BASE=stripe_emulator.url,
    ), cwd=tmp_path).stdout.decode()
    assert "[ok  ] billing" in full and "[ok  ] stripe.api" in full
    wrong = run_habla("doctor", env=habla_env(
        HABLA_STRIPE__PAYMENT_LINK=PAYMENT_LINK, HABLA_STRIPE__WEBHOOK_SECRET=WEBHOOK_SECRET,
        HABLA_STRIPE__API_KEY="sk_test_wrong", HABLA_STRIPE__API_BASE=stripe_emulator.url,
    ), cwd=tmp_path).stdout.decode()
    assert "[warn] stripe.api" in wrong and "401" in wrong
