//! With more than one thread, burn-flex splits large matrix products, row gathers and in-place
//! element-wise kernels over spinning helper threads (the harness patch in `vendor/burn-flex`,
//! see its `PATCH.md`). These tests check the split kernels against plain loops, on shapes
//! that split (even and uneven chunks, transposed operands) and shapes that stay whole. That the split changes no
//! bit of a training run is checked end to end in the harness's `train_cli` tests.

use burn::tensor::{Device, Int, Tensor, TensorData};

/// Deterministic values in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn tensor(data: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data, [rows, cols]), device)
}

fn floats(t: Tensor<2>) -> Vec<f32> {
    t.to_data().try_into_vec_as::<f32>().unwrap()
}

/// Checks `got` (m×n) against `a` (m×k, row-major) times `b` (k×n), summed in f64. The
/// bound is f32 rounding over k terms: k·2⁻²⁴ of the sum of |a·b|, with a margin of 8. A
/// chunk written at the wrong offset, or read with the wrong stride, misses it by the
/// size of the terms themselves.
fn check_product(got: &[f32], a: &[f32], b: &[f32], (m, k, n): (usize, usize, usize)) {
    assert_eq!(got.len(), m * n);
    for i in 0..m {
        for j in 0..n {
            let (mut sum, mut size) = (0f64, 0f64);
            for p in 0..k {
                let term = a[i * k + p] as f64 * b[p * n + j] as f64;
                sum += term;
                size += term.abs();
            }
            let bound = 8.0 * k as f64 * size / (1u64 << 24) as f64;
            let diff = (got[i * n + j] as f64 - sum).abs();
            assert!(
                diff <= bound,
                "{m}x{k}·{k}x{n}: element ({i}, {j}) is {}, expected {sum} (bound {bound})",
                got[i * n + j]
            );
        }
    }
}

fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols)
        .flat_map(|j| (0..rows).map(move |i| a[i * cols + j]))
        .collect()
}

/// The flex device, with a global pool of two threads even on a one-core machine, so that the
/// split paths run (the pool may exist already; then it has the machine's cores).
fn flex_with_helpers() -> Device {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global();
    Device::flex()
}

#[test]
fn split_products_and_gathers_match_plain_loops() {
    let device = flex_with_helpers();

    for (m, k, n) in [
        (128, 784, 128), // an MNIST layer's forward product: two chunks of 64 rows
        (784, 128, 128), // its weight gradient, xᵀ·g
        (100, 300, 200), // uneven chunks: 64 and 36 rows
        (33, 64, 700),   // 32 rows and 1
        (1000, 50, 40),  // narrow output, short k
        (96, 600, 64),   // left whole: 48-row chunks would change gemm's k-blocking
        (16, 784, 128),  // left whole: too few rows
        (128, 128, 10),  // left whole: too small
    ] {
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let product = tensor(a.clone(), m, k, &device).matmul(tensor(b.clone(), k, n, &device));
        check_product(&floats(product), &a, &b, (m, k, n));

        // The same product from transposed views, as autodiff's backward pass builds them.
        let a_t = tensor(transpose(&a, m, k), k, m, &device).transpose();
        let b_t = tensor(transpose(&b, k, n), n, k, &device).transpose();
        check_product(&floats(a_t.matmul(b_t)), &a, &b, (m, k, n));
    }

    // A batch gather: 300 scattered rows of 784 columns (split in two), and 5 (whole).
    let (rows, cols) = (1000, 784);
    let table = values(rows * cols, 3);
    let source = tensor(table.clone(), rows, cols, &device);
    for count in [300usize, 5] {
        let picks: Vec<i64> = (0..count).map(|i| ((i * 7919) % rows) as i64).collect();
        let index = Tensor::<1, Int>::from_data(TensorData::new(picks.clone(), [count]), &device);
        let expected: Vec<f32> = picks
            .iter()
            .flat_map(|&r| table[r as usize * cols..(r as usize + 1) * cols].to_vec())
            .collect();
        assert_eq!(
            floats(source.clone().select(0, index)),
            expected,
            "{count} rows"
        );
    }
}

#[test]
fn split_elementwise_kernels_match_plain_loops() {
    let device = flex_with_helpers();

    // An optimizer's update of a 784×128 weight matrix (split in two), an odd length (ranges
    // of 65,600 and 65,509 elements), and one below the threshold (whole). Each element must
    // be the f32 operation on its own pair of inputs.
    for (rows, cols) in [(784, 128), (1, 131_109), (100, 100)] {
        let n = rows * cols;
        let (a, b) = (values(n, 4), values(n, 5));
        let sub = tensor(a.clone(), rows, cols, &device) - tensor(b.clone(), rows, cols, &device);
        let expected: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        assert_eq!(floats(sub), expected, "{rows}x{cols}: a - b in place");

        let product =
            tensor(a.clone(), rows, cols, &device) * tensor(b.clone(), rows, cols, &device);
        let expected: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_eq!(floats(product), expected, "{rows}x{cols}: a * b in place");

        let scaled = tensor(a.clone(), rows, cols, &device).mul_scalar(0.01);
        let expected: Vec<f32> = a.iter().map(|x| x * 0.01).collect();
        assert_eq!(floats(scaled), expected, "{rows}x{cols}: a * 0.01 in place");
    }
}
