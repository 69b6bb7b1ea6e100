"""Vosk on spoken Korean questions (espeak-ng's voice), in free and in grammar mode.

What espeak-ng's Korean and the small Korean model get right was found by trying: in
free recognition the robotic voice comes out mostly as other words (only 냄비 survives
of the product words tried), while in grammar mode the keyword each question starts
with comes out first. The assertions keep to that; the texts are printed (pytest -s).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from tests.listen.conftest import RATE, read_wav, say_korean

from livehost.listen.grammar import grammar_phrases, known_words, spoken
from livehost.listen.recognizer import AsrUnavailable, Recognizer, load_asr_model
from livehost.schedule.model import Schedule

CHUNK = RATE // 10  # 0.1 s, about what the microphone source hands over

# question -> the keyword it starts with
QUESTIONS = {
    "인덕션에서 사용할 수 있나요": "인덕션",  # can it be used on induction?
    "식기세척기에 넣어도 되나요": "식기세척기",  # can it go in the dishwasher?
    "보증 기간은 얼마나 되나요": "보증",  # how long is the warranty?
    "냄비 가격이 얼마예요": "냄비",  # how much is the pot?
}
KEYWORDS = ["인덕션", "식기세척기", "보증", "냄비"]

_loading: dict[str, float] = {}


@pytest.fixture(scope="module")
def model(korean_model: Path):
    process = psutil.Process()
    rss, start = process.memory_info().rss, time.perf_counter()
    loaded = load_asr_model(korean_model)
    _loading.update(seconds=time.perf_counter() - start,
                    mb=(process.memory_info().rss - rss) / 1e6)
    return loaded


@pytest.fixture(scope="module")
def spoken_questions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """Each question as 16 kHz samples, with half a second of silence either side (a
    person pauses; Vosk ends an utterance on trailing silence)."""
    folder = tmp_path_factory.mktemp("questions")
    pause = np.zeros(RATE // 2, dtype=np.int16)
    return {
        question: np.concatenate([pause, read_wav(say_korean(question, folder / f"{i}.wav")),
                                  pause])
        for i, question in enumerate(QUESTIONS)
    }


def transcribe(recognizer: Recognizer, samples: np.ndarray) -> str:
    """Everything Vosk recognised in `samples`, fed as the listener does, in 0.1 s chunks."""
    texts = [recognizer.accept(samples[i:i + CHUNK]) for i in range(0, samples.size, CHUNK)]
    texts.append(recognizer.finish())
    return " ".join(text for text in texts if text)


def test_the_model_loads_and_knows_the_keywords(model) -> None:
    print(f"\nloading the Korean model: {_loading['seconds']:.1f} s, "
          f"RSS +{_loading['mb']:.0f} MB")
    assert all(model.vosk_model_find_word(word) != -1 for word in KEYWORDS)
    assert model.vosk_model_find_word("kettle") == -1  # a Korean vocabulary


def test_free_recognition_of_spoken_questions(model, spoken_questions) -> None:
    texts = {q: transcribe(Recognizer(model), s) for q, s in spoken_questions.items()}
    for question, text in texts.items():
        print(f"\nfree: {question} -> {text!r}")
    assert all(texts.values()), "every question comes out as some words"
    # the one keyword espeak-ng's Korean gets through free recognition
    assert "냄비" in texts["냄비 가격이 얼마예요"].split()


def test_grammar_mode_hears_the_keyword(model, spoken_questions) -> None:
    for question, samples in spoken_questions.items():
        text = transcribe(Recognizer(model, RATE, KEYWORDS), samples)
        print(f"\ngrammar: {question} -> {text!r}")
        words = text.split()
        assert words and words[0] == QUESTIONS[question], (question, text)
        # only the grammar's phrases come out; the model's unknown word is dropped
        assert set(words) <= set(KEYWORDS)


def test_silence_and_low_noise_give_nothing(model) -> None:
    rng = np.random.default_rng(0)
    inputs = {
        "silence": np.zeros(3 * RATE, dtype=np.int16),
        # -60 dBFS: a quiet shop's hiss through a microphone
        **{f"noise {seed}": (rng.normal(0, 33, 3 * RATE)).astype(np.int16) for seed in range(3)},
    }
    for name, samples in inputs.items():
        assert transcribe(Recognizer(model), samples) == "", name
        assert transcribe(Recognizer(model, RATE, KEYWORDS), samples) == "", name


def test_a_recogniser_goes_on_after_finish(model, spoken_questions) -> None:
    recognizer = Recognizer(model, RATE, KEYWORDS)
    samples = spoken_questions["냄비 가격이 얼마예요"]
    first = transcribe(recognizer, samples)
    assert transcribe(recognizer, samples) == first
    recognizer.accept(samples[: samples.size // 2])
    assert recognizer.partial.split()[:1] == ["냄비"]
    recognizer.reset()
    assert recognizer.partial == "" and recognizer.finish() == ""


def test_accept_wants_int16_mono(model) -> None:
    with pytest.raises(TypeError, match="int16"):
        Recognizer(model).accept(np.zeros(CHUNK, dtype=np.float32))


def test_a_folder_that_is_not_a_model_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(AsrUnavailable, match=f"{tmp_path}: not a Vosk model folder"):
        load_asr_model(tmp_path)
    with pytest.raises(AsrUnavailable, match="no such folder"):
        load_asr_model(tmp_path / "absent")
    with pytest.raises(AsrUnavailable, match="a file, where a Vosk model is a folder"):
        load_asr_model(tmp_path / "notes.txt")


def test_a_damaged_model_is_refused_clearly(tmp_path: Path) -> None:
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("damaged\n")
    with pytest.raises(AsrUnavailable, match=f"{tmp_path}: Vosk could not load"):
        load_asr_model(tmp_path)


def test_the_model_is_loaded_once(model, korean_model: Path) -> None:
    assert load_asr_model(korean_model) is model
    assert load_asr_model(korean_model / ".." / "model") is model


# -- grammar phrases from the schedule ------------------------------------------------

def _schedule(**store) -> Schedule:
    product = {"id": "pot", "price": 30, "features": ["Cast iron"]}
    return Schedule.model_validate({
        "store": {"name": "Shop", **store},
        "products": [
            {**product, "name": "냄비", "faq": [
                {"question": "인덕션?", "answer": "네.", "keywords": ["인덕션", "보증"]},
                {"question": "식기세척기?", "answer": "네.", "keywords": ["식기세척기"]},
            ]},
            {**product, "id": "mug", "name": "Stoneware Mug Set (4 x 350 ml)",
             "spoken_name": "stoneware mug set",
             "faq": [{"question": "Dishwasher?", "answer": "Yes.",
                      "keywords": ["dishwasher", "Don't break", "인덕션"]}]},
        ],
        "fallback": {"message": "Back soon."},
    })


def test_grammar_phrases_are_names_and_keywords_once_each_in_order() -> None:
    schedule = _schedule(faq=[{"question": "배송?", "answer": "내일.", "keywords": ["배송"]}])
    assert grammar_phrases(schedule) == [
        "냄비", "인덕션", "보증", "식기세척기",
        "stoneware mug set 4 x 350 ml", "stoneware mug set", "dishwasher", "don't break",
        "배송",
    ]
    assert spoken("  Mug, (Blue)!  ") == "mug blue"


def test_grammar_phrases_keep_only_words_the_model_knows(model) -> None:
    knows = known_words(model)
    assert knows("인덕션") and not knows("stoneware") and not knows("[unk]")
    assert grammar_phrases(_schedule(), knows) == ["냄비", "인덕션", "보증", "식기세척기"]
