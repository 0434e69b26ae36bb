"""Round trips of nabla_safetensors (F16, BF16, every integer dtype), a file written by nabla
(tests/data/torch_mlp.safetensors) and the errors for broken files. Run:
    cd python && /usr/bin/python3 -m unittest test_nabla_safetensors
"""
import os
import tempfile
import unittest

import numpy as np

import nabla_safetensors as st

DATA = os.path.join(os.path.dirname(__file__), "..", "tests", "data")


class RoundTrip(unittest.TestCase):
    def test_dtypes(self):
        tensors = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3),
                   "f64": np.array([1.5, -2.0]), "f16": np.array([1.5, 65504], np.float16),
                   "i64": np.array([-1, 2**40]), "i32": np.array([7], np.int32),
                   "u8": np.array([255], np.uint8), "b": np.array([True, False]),
                   "scalar": np.float32(3.0)}
        back, meta = st.load_bytes(st.save_bytes(tensors, {"epoch": 3}), with_metadata=True)
        self.assertEqual(meta, {"epoch": "3"})
        for k, v in tensors.items():
            self.assertEqual(back[k].dtype, np.asarray(v).dtype, k)
            np.testing.assert_array_equal(back[k], v)

    def test_bf16_rounds_to_nearest_even(self):
        a = np.array([1.0, 1.00390625, 1.01171875, -3.5, np.inf], np.float32)
        back = st.load_bytes(st.save_bytes({"a": a}, bf16={"a"}))["a"]
        np.testing.assert_array_equal(back, [1.0, 1.0, 1.015625, -3.5, np.inf])

    def test_reads_a_file_nabla_reads(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.safetensors")
            st.save(st.load(os.path.join(DATA, "torch_mlp.safetensors")), path)
            self.assertEqual(set(st.load(path)), {"0.weight", "0.bias", "2.weight", "2.bias"})

    def test_broken_files(self):
        good = st.save_bytes({"a": np.zeros(4, np.float32)})
        with self.assertRaises(ValueError):
            st.load_bytes(good[:-4])
        with self.assertRaises(ValueError):
            st.load_bytes(good[:6])


if __name__ == "__main__":
    unittest.main()
