"""Fill the embedding cache for the CheckThat! sets (collections, queries, debate context)."""
import sys
import time

from newssift.coverage import checkthat as ct
from newssift.coverage.embedding import CachedEmbedder, training_embedder
from newssift.coverage.experiments import text_sets

emb = CachedEmbedder(training_embedder(), sys.argv[1] if len(sys.argv) > 1 else "/work/cache/coverage/emb")
for name, texts in text_sets().items():
    t = time.time()
    emb.embed(texts)
    print(name, len(texts), f"{time.time() - t:.1f}s", flush=True)
