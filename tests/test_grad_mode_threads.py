"""The gradient mode is per thread, as in PyTorch: a ``no_grad`` block (an optimizer step,
an evaluation) in one thread does not stop the graph another thread is building."""

import threading

import reseau


def test_no_grad_in_one_thread_leaves_another_threads_graph():
    inside, done = threading.Event(), threading.Event()

    def evaluate():
        with reseau.no_grad():
            inside.set()
            done.wait(10)

    other = threading.Thread(target=evaluate)
    other.start()
    try:
        assert inside.wait(10)
        assert reseau.is_grad_enabled()          # this thread: still on
        w = reseau.tensor([2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        assert loss.requires_grad and loss.grad_fn is not None
        loss.backward()
        assert w.grad.tolist() == [4.0, 6.0]
    finally:
        done.set()
        other.join()


def test_a_new_thread_starts_with_gradients_on_whatever_its_parent_does():
    seen = []
    with reseau.no_grad():
        t = threading.Thread(target=lambda: seen.append(reseau.is_grad_enabled()))
        t.start()
        t.join()
        assert not reseau.is_grad_enabled()
    assert seen == [True] and reseau.is_grad_enabled()
