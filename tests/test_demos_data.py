"""The demos' data: the IDX reader on files written here, the loaders, and the seeded draws."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from scipy import stats

import numpy_ref as nr
from regref.demos import datasets, sampling
from regref.demos.idx import read_idx, write_idx


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_idx_round_trip(tmp_path, dtype, compress):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / "a.idx"
    write_idx(path, array, compress=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype) and got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got, array)


def test_idx_reads_the_published_layout(tmp_path):
    # written by hand: magic 0x00000801 (ubyte, 1 dim), size 3 big-endian, then the bytes
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x03" + bytes([7, 0, 9]))
    np.testing.assert_array_equal(read_idx(path), [7, 0, 9])
    path.write_bytes(b"\x00\x00\x0b\x01\x00\x00\x00\x02" + b"\x01\x00\xff\xfe")  # int16 big-endian
    np.testing.assert_array_equal(read_idx(path), [256, -2])


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", "is not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "is not an IDX file"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01", "10 bytes, but an IDX array of shape \\(3,\\) needs 11"),
    ],
)
def test_idx_rejects_malformed_files_naming_them(tmp_path, content, match):
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert "bad.idx" in str(info.value)


def write_fashion(directory, n_train=6, n_test=4, compress=(True, False, True, False)):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    arrays["x_train"][0, 0, :2] = (0, 255)
    for (name, stem), gz in zip(datasets.FASHION_MNIST_FILES.items(), compress):
        write_idx(directory / (stem + (".gz" if gz else "")), arrays[name], compress=gz)
    return arrays


def test_fashion_mnist_loader_flattens_and_normalises(tmp_path):
    arrays = write_fashion(tmp_path)
    data = datasets.load_fashion_mnist(tmp_path)
    assert data.name == "Fashion-MNIST"
    assert data.x_train.shape == (6, 784) and data.x_test.shape == (4, 784) and data.x_train.dtype == np.float32
    assert data.x_train[0, 0] == -1.0 and data.x_train[0, 1] == 1.0  # (0/255 − 0.5)/0.5 and (255/255 − 0.5)/0.5
    np.testing.assert_allclose(data.x_test, (arrays["x_test"].reshape(4, -1) / 255 - 0.5) / 0.5, atol=1e-6)
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])
    assert data.y_train.dtype == np.int32


def test_fashion_mnist_loader_names_a_missing_file(tmp_path):
    write_fashion(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte\.gz"):
        datasets.load_fashion_mnist(tmp_path)


def test_fashion_mnist_loader_rejects_mismatched_counts(tmp_path):
    write_fashion(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="4 test images but 3 test labels"):
        datasets.load_fashion_mnist(tmp_path)


def test_load_classification_prefers_the_path_then_the_environment_then_digits(tmp_path, monkeypatch):
    for name in ("env", "arg"):
        (tmp_path / name).mkdir()
    write_fashion(tmp_path / "env")
    write_fashion(tmp_path / "arg", n_train=8)
    monkeypatch.delenv(datasets.FASHION_MNIST_ENV, raising=False)
    assert datasets.load_classification().name.startswith("digits")
    monkeypatch.setenv(datasets.FASHION_MNIST_ENV, str(tmp_path / "env"))
    assert datasets.load_classification().x_train.shape == (6, 784)
    assert datasets.load_classification(tmp_path / "arg").x_train.shape == (8, 784)


def test_digits_split_is_fixed_disjoint_and_normalised():
    data = datasets.load_digits()
    assert data.x_train.shape == (1438, 64) and data.x_test.shape == (359, 64)
    assert data.x_train.min() == -1.0 and data.x_train.max() == 1.0
    train_rows = {row.tobytes() for row in data.x_train}
    assert sum(row.tobytes() in train_rows for row in data.x_test) < 10  # the set has a few duplicate images
    assert set(np.unique(data.y_test)) == set(range(10))
    again = datasets.load_digits()
    np.testing.assert_array_equal(again.y_test, data.y_test)


def test_normal_is_standard_normal():
    # fixed key; for n = 2**16 the KS statistic's p-value is below 1e-6 with probability 1e-6 under N(0, 1)
    z = sampling.normal(nr.key(0), (2**16,)).astype(np.float64)
    assert stats.kstest(z, "norm").pvalue > 1e-6
    assert abs(z.mean()) < 5 / np.sqrt(z.size)
    np.testing.assert_array_equal(z, sampling.normal(nr.key(0), (2**16,)))
    assert np.all(np.isfinite(z))


def test_permutation_and_minibatches_cover_every_example_once_per_epoch():
    key = nr.key(3)
    perm = sampling.permutation(key, 100)
    np.testing.assert_array_equal(np.sort(perm), np.arange(100))
    epoch1, epoch2 = sampling.minibatches(key, 1, 23, 5), sampling.minibatches(key, 2, 23, 5)
    assert [len(b) for b in epoch1] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.sort(np.concatenate(epoch1)), np.arange(23))
    assert not np.array_equal(np.concatenate(epoch1), np.concatenate(epoch2))


def test_streams_are_distinct_and_reproducible():
    keys = sampling.streams(0)
    assert len({k.tobytes() for k in keys}) == len(keys)
    assert all(np.array_equal(a, b) for a, b in zip(keys, sampling.streams(0)))
    assert not np.array_equal(sampling.streams(1).init, keys.init)


def test_synthetic_regression_follows_the_generating_model():
    data = datasets.synthetic_regression(nr.key(0), 200, 20, 100, true_w=0.01, true_b=0.05, noise=0.01)
    assert data.x_train.shape == (20, 200) and data.y_test.shape == (100, 1)
    residual = data.y_test - (data.x_test @ np.full((200, 1), 0.01) + 0.05)
    # 100 residuals ~ N(0, 0.01²): 99·s²/σ² ~ χ²(99), outside [0.25, 2.25]·99 with probability < 1e-12
    assert 0.005 < residual.std() < 0.015
    assert not np.array_equal(data.x_train, data.x_test[:20])
