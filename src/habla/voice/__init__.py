"""Voice notes: small stages over numpy arrays, each measured (bench/voice.py), composed in pipeline.py.

Inbound:   decode (PyAV, any container → 16 kHz mono float32) → loudness (EBU R128 + peak limit)
           → denoise (RNNoise, only when the note is noisy) → segment (Silero VAD) → transcribe
           (faster-whisper, language hint, per-note confidence) → repair (LLM, below the threshold)
Outbound:  synthesize (espeak-ng, or Piper per language) → encode (Ogg/Opus mono, a WhatsApp voice note)
Practice:  pronunciation (transcript vs target phrase, word by word)

Heavy libraries (av, faster_whisper, pyloudnorm, RNNoise, espeak-ng, Piper) are imported inside the
functions that use them, so importing ``habla`` stays cheap for processes that never touch audio.
"""
