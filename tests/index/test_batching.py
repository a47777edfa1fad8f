from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.batching import QueryBatcher
from index.embedder import Embedder


class SlowEncoder:
    """A stand-in model: each batch takes ``seconds``; a text's vector is [len(text), batch no]."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.batches: list[list[str]] = []
        self.threads: list[int] = []
        self.fail_next = False
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.batches.append(list(texts))
            self.threads.append(threading.get_ident())
            number = len(self.batches)
        time.sleep(self.seconds)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model exploded")
        return np.array([[len(t), number] for t in texts], dtype=np.float32)


def ask_together(batcher: QueryBatcher, texts: list[str]) -> dict[str, np.ndarray]:
    answers: dict[str, np.ndarray] = {}
    start = threading.Barrier(len(texts))

    def ask(text: str) -> None:
        start.wait()
        answers[text] = batcher.encode(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_a_lone_question_is_encoded_at_once_in_the_callers_thread() -> None:
    encoder = SlowEncoder(seconds=0)
    batcher = QueryBatcher(encoder, linger_ms=50)

    started = time.perf_counter()
    vector = batcher.encode("hello")

    assert time.perf_counter() - started < 0.04  # no lingering when nobody else is asking
    assert vector.tolist() == [5.0, 1.0]
    assert encoder.batches == [["hello"]]
    assert encoder.threads == [threading.get_ident()]


def test_concurrent_questions_share_forward_passes_and_each_gets_its_own_vector() -> None:
    encoder = SlowEncoder(seconds=0.05)
    batcher = QueryBatcher(encoder)
    texts = [f"question {'x' * n}" for n in range(8)]

    answers = ask_together(batcher, texts)

    assert sorted(t for batch in encoder.batches for t in batch) == sorted(texts)
    assert len(encoder.batches) < len(texts)  # eight askers, fewer passes
    assert max(len(b) for b in encoder.batches) > 1
    for text, vector in answers.items():
        assert vector[0] == len(text)
        # The vector came from the batch that held this text.
        assert text in encoder.batches[int(vector[1]) - 1]
    assert (batcher.batches, batcher.texts) == (len(encoder.batches), len(texts))


def test_batches_never_exceed_max_batch() -> None:
    encoder = SlowEncoder(seconds=0.05)
    batcher = QueryBatcher(encoder, max_batch=3)

    ask_together(batcher, [f"q{n}" for n in range(10)])

    assert max(len(b) for b in encoder.batches) <= 3
    assert sum(len(b) for b in encoder.batches) == 10


def test_a_failed_pass_fails_its_callers_and_the_next_pass_works() -> None:
    encoder = SlowEncoder(seconds=0.02)
    batcher = QueryBatcher(encoder)
    encoder.fail_next = True

    with pytest.raises(RuntimeError, match="model exploded"):
        batcher.encode("first")
    answers = ask_together(batcher, ["a", "bb", "ccc"])

    assert {t: v[0] for t, v in answers.items()} == {"a": 1, "bb": 2, "ccc": 3}


def test_linger_lets_a_queued_leader_wait_for_company() -> None:
    release = threading.Event()
    batches: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        batches.append(list(texts))
        if texts == ["a"]:
            release.wait(5)
        return np.zeros((len(texts), 1), dtype=np.float32)

    batcher = QueryBatcher(encode, max_batch=2, linger_ms=5000)
    first = threading.Thread(target=batcher.encode, args=("a",))
    first.start()
    while not batches:
        time.sleep(0.005)
    second = threading.Thread(target=batcher.encode, args=("b",))
    second.start()
    time.sleep(0.1)  # "b" is queued behind the running pass
    release.set()
    first.join()
    time.sleep(0.2)  # "b" now leads the next pass, lingering
    started = time.perf_counter()
    batcher.encode("c")
    second.join()

    assert batches == [["a"], ["b", "c"]]
    assert time.perf_counter() - started < 4  # a full batch ends the wait at once


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        QueryBatcher(SlowEncoder(), max_batch=0)
    with pytest.raises(ValueError, match="linger_ms"):
        QueryBatcher(SlowEncoder(), linger_ms=-1)


def test_concurrent_encode_query_matches_one_at_a_time(embedder: Embedder) -> None:
    texts = [
        "Do you have a SOC 2 report?",
        "pricing for a mid-market retailer",
        "case study about demand forecasting in logistics",
        "they are comparing us with Forecastly",
        "x",
        "what should I send a CFO worried about total cost of ownership before signing?",
    ]
    alone = {t: embedder.encode_query(t) for t in texts}
    before = embedder.batcher.texts

    together: dict[str, np.ndarray] = {}
    start = threading.Barrier(len(texts))

    def ask(text: str) -> None:
        start.wait()
        together[text] = embedder.encode_query(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert embedder.batcher.texts - before == len(texts)
    for text in texts:
        # Padding inside a batch is masked out: the same vector, to float rounding.
        np.testing.assert_allclose(together[text], alone[text], atol=1e-5)
