"""Builds GPT-2 small from its config (random weights, no download), torch.compiles it and runs one
batch (4 x 128 tokens); prints the seconds that took and Inductor's FX-graph cache hits and misses."""
import json
import time

t0 = time.time()
import torch
from torch._dynamo.utils import counters
from transformers import GPT2Config, GPT2LMHeadModel

model = GPT2LMHeadModel(GPT2Config()).cuda().eval()
compiled = torch.compile(model)
ids = torch.randint(0, 50257, (4, 128), device="cuda")
t1 = time.time()
with torch.no_grad():
    compiled(ids)
torch.cuda.synchronize()
t2 = time.time()
print(json.dumps({"compile_and_first_batch_s": round(t2 - t1, 2), "process_s": round(t2 - t0, 2),
                  "fxgraph_cache_hit": counters["inductor"]["fxgraph_cache_hit"],
                  "fxgraph_cache_miss": counters["inductor"]["fxgraph_cache_miss"]}))
