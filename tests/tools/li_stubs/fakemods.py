"""fakemods.py - import-time stand-ins for modules llama_index.core imports but
the node/splitter/reader code never uses (banks, griffe, workflows), so the
comparison tool can load llama-index-core from source without PyPI."""
import sys, types, importlib.abc, importlib.machinery
FAKE = ("banks", "griffe", "workflows", "llama_index.workflows")
class _Any:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return _Any()
    def __getattr__(self, n): return _Any()
    def __mro_entries__(self, bases): return (object,)
class _Mod(types.ModuleType):
    def __getattr__(self, n):
        if n.startswith("__"): raise AttributeError(n)
        return type(n, (), {"__init__": lambda s, *a, **k: None,
                            "__getattr__": lambda s, a: [] if a == "variables" else _Any()})
class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in FAKE or name in FAKE:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec):
        m = _Mod(spec.name); m.__path__ = []; return m
    def exec_module(self, m): pass
sys.meta_path.insert(0, Finder())
