"""Grad-CAM the way pytorch-grad-cam computes it, for `pnpm bench gradients` (the PyTorch peer).

    python3 gradcam_peer.py WEIGHTS.pt INPUT.f32 [--batch 8] [--seconds 2] [--threads 2] [--serve]

WEIGHTS.pt: a torchvision resnet18 state_dict (the test bed's peers/export_untrained.py writes
the seeded weights of the test bed's untrained/resnet18.onnx). INPUT.f32: preprocessed images,
float32 [batch, 3, 224, 224] laid one after another. As pytorch-grad-cam's GradCAM (its
ActivationsAndGradients and BaseCAM): a forward hook on layer4 keeps the activations and registers
a hook on the output tensor for the gradients; the target is each image's arg-max class
(ClassifierOutputTarget); model.zero_grad(), the sum of the target logits .backward(); weights =
the gradient's mean over H, W; map = relu(sum_k w_k A_k) on the 7x7 grid. The parameters keep
requires_grad (pytorch-grad-cam does not freeze them), so backward() runs down to conv1.

Prints one JSON line: images_per_s over the batches timed for --seconds (after a warm-up batch),
and the warm-up's classes and maps (so the benchmark can check that both sides compute the same
thing on the same weights). With --serve it then reads lines "THREADS" on stdin and answers each
with the seconds of one more batch at that many threads, so that the benchmark interleaves its own
batches with the peer's, one process for the whole run.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights")
    parser.add_argument("input")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model = torchvision.models.resnet18(weights=None)
    model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    model.eval()
    batch = torch.from_numpy(np.fromfile(args.input, dtype=np.float32).reshape(args.batch, 3, 224, 224))

    stored = {}

    def save_activation(module, inputs, output):
        stored["activations"] = output.cpu().detach()

        def store_gradient(grad):
            stored["gradients"] = grad.cpu().detach()

        output.register_hook(store_gradient)

    model.layer4.register_forward_hook(save_activation)

    def grad_cam(x):
        logits = model(x)
        classes = np.argmax(logits.cpu().data.numpy(), axis=-1)
        model.zero_grad()
        loss = sum(logits[i, c] for i, c in enumerate(classes))
        loss.backward(retain_graph=True)
        activations = stored["activations"].numpy()
        gradients = stored["gradients"].numpy()
        weights = np.mean(gradients, axis=(2, 3))
        cams = np.maximum((weights[:, :, None, None] * activations).sum(axis=1), 0)
        return classes, cams

    classes, cams = grad_cam(batch)  # warm-up, and the maps to compare
    done = 0
    started = time.perf_counter()
    while done == 0 or time.perf_counter() - started < args.seconds:
        grad_cam(batch)
        done += args.batch
    print(
        json.dumps(
            {
                "images_per_s": done / (time.perf_counter() - started),
                "images": done,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "classes": classes.tolist(),
                "maps": cams.reshape(args.batch, -1).tolist(),
            }
        ),
        flush=True,
    )
    if args.serve:
        for line in sys.stdin:
            torch.set_num_threads(int(line))
            started = time.perf_counter()
            grad_cam(batch)
            print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)


if __name__ == "__main__":
    main()
