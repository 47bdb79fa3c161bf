"""The inference worker the server starts: builds GPT-2 small from its config (random weights, no
download), torch.compiles it and runs one batch, says READY with the compile time and Inductor's
FX-graph cache counters, then answers one request per stdin line until stdin closes.
WORKER_EMBD changes the hidden size (768 by default), so that a restored cache no longer fits."""
import json
import os
import sys
import time

t0 = time.time()
import torch
from torch._dynamo.utils import counters
from transformers import GPT2Config, GPT2LMHeadModel

embd = int(os.environ.get("WORKER_EMBD", "768"))
config = GPT2Config(n_embd=embd, n_head=12 if embd % 12 == 0 else 8)
model = GPT2LMHeadModel(config).cuda().eval()
compiled = torch.compile(model)
ids = torch.randint(0, config.vocab_size, (4, 128), device="cuda")
t1 = time.time()
with torch.no_grad():
    compiled(ids)
torch.cuda.synchronize()
t2 = time.time()
print("READY " + json.dumps({"compile_and_first_batch_s": round(t2 - t1, 2), "worker_process_s": round(t2 - t0, 2),
                             "fxgraph_cache_hit": counters["inductor"]["fxgraph_cache_hit"],
                             "fxgraph_cache_miss": counters["inductor"]["fxgraph_cache_miss"]}), flush=True)
for line in sys.stdin:
    with torch.no_grad():
        logits = compiled(ids).logits
    torch.cuda.synchronize()
    print(json.dumps({"next_token": int(logits[0, -1].argmax())}), flush=True)
