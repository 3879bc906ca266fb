"""torch_impl's conformance hooks: dtype-preserving conversions, devices, NAME."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

import torch_impl as ti
from torch_impl.interop import numpy_dtype

VALUES = np.array([[1.5, -0.0, np.inf], [np.nan, 3.25, -7.0]])


@pytest.mark.parametrize(
    ("np_dtype", "torch_dtype"),
    [
        (np.float16, torch.float16),
        (ml_dtypes.bfloat16, torch.bfloat16),
        (np.float32, torch.float32),
        (np.float64, torch.float64),
    ],
)
def test_floats_round_trip_bit_for_bit(np_dtype, torch_dtype):
    a = VALUES.astype(np_dtype)
    t = ti.asarray(a)
    assert t.dtype == torch_dtype and tuple(t.shape) == a.shape
    assert torch.equal(t[0, :2], torch.tensor([1.5, -0.0], dtype=torch_dtype)) and torch.signbit(t[0, 1])
    back = ti.to_numpy(t)
    assert back.dtype == a.dtype
    np.testing.assert_array_equal(back.view(np.uint8), a.view(np.uint8))


@pytest.mark.parametrize(
    "a",
    [
        np.array([0, 1, 2**31, 2**32 - 1], np.uint32),
        np.array([True, False]),
        np.array(7, np.int64),
        np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2],
        np.array(2.5, ml_dtypes.bfloat16),
    ],
)
def test_keys_masks_scalars_and_views_round_trip(a):
    back = ti.to_numpy(ti.asarray(a))
    assert back.dtype == a.dtype and back.shape == a.shape
    np.testing.assert_array_equal(back, a)


def test_uint32_keys_keep_their_values():
    k = ti.asarray(np.array([2**32 - 1, 2**31], np.uint32))
    assert k.dtype == torch.uint32 and k.view(torch.int32).tolist() == [-1, -(2**31)]


def test_to_numpy_of_a_tensor_that_requires_grad():
    t = torch.ones(2, requires_grad=True) * 2
    np.testing.assert_array_equal(ti.to_numpy(t), [2.0, 2.0])


def test_a_dtype_without_numpy_counterpart_is_a_type_error():
    with pytest.raises(TypeError, match="quint8"):
        numpy_dtype(torch.quint8)


def test_devices_and_name():
    assert ti.devices()[0] == "cpu" and ("cuda" in ti.devices()) == torch.cuda.is_available()
    assert ti.NAME == "torch"
    assert ti.asarray(np.ones(2), device="cpu").device.type == "cpu"
