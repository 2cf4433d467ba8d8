"""`habla chat` with `/voice file.ogg` (the terminal as a phone that records), and `habla doctor`'s voice lines."""

from __future__ import annotations

from habla_testkit.processes import habla_env, run_habla
from habla_testkit.audio import note, speech


def test_chat_sends_a_voice_note_and_saves_the_tutors_voice_examples(tmp_path, llm_emulator):
    llm_emulator.reply_fn = lambda messages: (
        messages[1]["content"].rsplit("Recognised voice note: ", 1)[1]  # repair: nothing to change
        if "speech-recognition errors" in messages[0]["content"]
        else "¡Hola!\n🔊 *buenos días* — good morning"
    )
    (tmp_path / "note.ogg").write_bytes(note(speech("Hello, how are you today?", "en")))
    env = habla_env(
        HABLA_LLM__FAST__PROVIDER="openai", HABLA_LLM__FAST__BASE_URL=llm_emulator.openai_base_url,
        HABLA_LLM__FAST__MODEL="emulated-fast", HABLA_LLM__FAST__API_KEY="test-key",
        HABLA_TUTOR__DEFAULT_TARGET_LANGUAGE="en", HABLA_MEDIA_DIR=str(tmp_path / "media"),
    )
    result = run_habla("chat", "--name", "ana", env=env, cwd=tmp_path, input=b"/voice note.ogg\n/voice missing.ogg\n")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[0].lower().startswith("🎙️ i heard: “hello, how are you today")
    assert lines[1:3] == ["¡Hola!", "🔊 *buenos días* — good morning"]
    assert lines[3].startswith("🔊 [voice note: ") and lines[3].endswith(".ogg]")
    assert (tmp_path / lines[3][len("🔊 [voice note: "):-1]).stat().st_size > 1000
    assert "couldn't download your voice note" in lines[4]


def test_doctor_reports_the_speech_model_and_its_speed(tmp_path):
    out = run_habla("doctor", env=habla_env(), cwd=tmp_path).stdout.decode()
    assert "[ok  ] voice.stt" in out and "whisper-base" in out and "RTF" in out
    assert "[ok  ] voice.tts" in out
    broken = run_habla("doctor", env=habla_env(HABLA_VOICE__MODEL=str(tmp_path / "none")), cwd=tmp_path).stdout.decode()
    assert "[warn] voice.stt" in broken and "HABLA_VOICE__MODEL" in broken
