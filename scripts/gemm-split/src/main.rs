//! The MNIST layer's two large products (forward `[128,784]·[784,128]`, weight gradient
//! `xᵀ·g` = `[784,128]·[128,128]`) through gemm 0.19 as burn-flex calls it: whole on one thread,
//! with gemm's own rayon split, and cut by hand into two row or column halves on `rayon::join`.
//! Runs inside the rayon pool, as `harness` does, and prints min and median of 2000 calls and
//! whether each variant gives the whole product's bits. Argument: rayon threads (default 2).

use gemm::Parallelism;
use std::time::Instant;

/// A matrix operand: pointer, row stride and column stride (in elements).
#[derive(Clone, Copy)]
struct Operand {
    ptr: *const f32,
    rs: isize,
    cs: isize,
}

/// The output buffer, shared by the two halves, which write disjoint parts of it.
#[derive(Clone, Copy)]
struct Out(*mut f32);

// SAFETY: the halves read the operands and write disjoint parts of the output, and both end
// before `rayon::join` returns.
unsafe impl Send for Operand {}
unsafe impl Sync for Operand {}
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

impl Operand {
    fn at(self, row: usize, col: usize) -> Operand {
        let offset = row as isize * self.rs + col as isize * self.cs;
        Operand {
            ptr: unsafe { self.ptr.offset(offset) },
            ..self
        }
    }
}

/// `out[m, n] (row stride ld) = a[m, k] · b[k, n]`.
fn product(
    m: usize,
    n: usize,
    k: usize,
    out: Out,
    ld: usize,
    a: Operand,
    b: Operand,
    p: Parallelism,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.0,
            1,
            ld as isize,
            false,
            a.ptr,
            a.cs,
            a.rs,
            b.ptr,
            b.cs,
            b.rs,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            p,
        );
    }
}

fn bench(name: &str, mut f: impl FnMut()) {
    for _ in 0..50 {
        f();
    }
    let mut ms: Vec<f64> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    print!(
        "{name:32} min {:.3} ms  median {:.3} ms",
        ms[0],
        ms[ms.len() / 2]
    );
}

/// Times the four variants of `a[m, k] · b[k, n]`.
fn variants(label: &str, (m, n, k): (usize, usize, usize), a: Operand, b: Operand) {
    let mut out = vec![0f32; m * n];
    let o = Out(out.as_mut_ptr());
    bench(&format!("{label} whole"), || {
        product(m, n, k, o, n, a, b, Parallelism::None)
    });
    let whole = out.clone();
    println!();
    let check = |name: &str, f: &(dyn Fn() + Sync)| {
        bench(&format!("{label} {name}"), f);
        println!("  same bits: {}", out_bits(o, m * n) == whole);
    };
    check("gemm rayon split", &|| {
        product(m, n, k, o, n, a, b, Parallelism::Rayon(0))
    });
    let (h, w) = (m / 2, n / 2);
    check("row halves", &|| {
        rayon::join(
            || product(h, n, k, o, n, a, b, Parallelism::None),
            || {
                product(
                    m - h,
                    n,
                    k,
                    Out(unsafe { o.0.add(h * n) }),
                    n,
                    a.at(h, 0),
                    b,
                    Parallelism::None,
                )
            },
        );
    });
    check("column halves", &|| {
        rayon::join(
            || product(m, w, k, o, n, a, b, Parallelism::None),
            || {
                product(
                    m,
                    n - w,
                    k,
                    Out(unsafe { o.0.add(w) }),
                    n,
                    a,
                    b.at(0, w),
                    Parallelism::None,
                )
            },
        );
    });
}

fn out_bits(o: Out, len: usize) -> Vec<f32> {
    unsafe { std::slice::from_raw_parts(o.0, len).to_vec() }
}

fn main() {
    let threads: usize = std::env::args()
        .nth(1)
        .map_or(2, |s| s.parse().expect("a thread count"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap();
    rayon::scope(|_| {
        let (batch, d_in, d_out) = (128usize, 784usize, 128usize);
        let x: Vec<f32> = (0..batch * d_in)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
            .collect();
        let w: Vec<f32> = (0..d_in * d_out)
            .map(|i| ((i * 104_729) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let g: Vec<f32> = (0..batch * d_out)
            .map(|i| ((i * 31) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let rows = |v: &[f32], cols: usize| Operand {
            ptr: v.as_ptr(),
            rs: cols as isize,
            cs: 1,
        };
        variants(
            "forward",
            (batch, d_out, d_in),
            rows(&x, d_in),
            rows(&w, d_out),
        );
        // xᵀ as a transposed view of x, as autodiff's backward pass passes it.
        let x_t = Operand {
            ptr: x.as_ptr(),
            rs: 1,
            cs: d_in as isize,
        };
        variants(
            "weight gradient",
            (d_in, d_out, batch),
            x_t,
            rows(&g, d_out),
        );
    });
}
