"""Stand-in: llama_index.core imports tinytag for audio files only."""
class TinyTag: pass
class UnsupportedFormatError(Exception): pass
