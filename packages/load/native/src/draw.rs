//! The requests of a step, drawn exactly as `src/bodies.ts` draws them: the same SFC32, the same order of draws,
//! the same text. `test/native.test.ts` compares the first requests of both.

use crate::job::{Traffic, Values};

const TWO_32: f64 = 4_294_967_296.0;

/// SFC32 (PractRand's "small fast counting" generator), seeded like `Sfc32` in bodies.ts.
pub struct Sfc32 {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

impl Sfc32 {
    pub fn new(seed: u64, stream: u32) -> Self {
        let high = (seed / (1 << 32)) as u32;
        let mut random = Sfc32 {
            a: 0,
            b: seed as u32,
            c: high.wrapping_add(stream.wrapping_mul(0x9e37_79b9)),
            d: 1,
        };
        for _ in 0..12 {
            random.next_u32();
        }
        random
    }

    pub fn next_u32(&mut self) -> u32 {
        let t = self.a.wrapping_add(self.b).wrapping_add(self.d);
        self.d = self.d.wrapping_add(1);
        self.a = self.b ^ (self.b >> 9);
        self.b = self.c.wrapping_add(self.c << 3);
        self.c = self.c.rotate_left(21).wrapping_add(t);
        t
    }

    pub fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) / TWO_32
    }

    pub fn below(&mut self, n: u64) -> u64 {
        (self.unit() * n as f64).floor() as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

pub struct RequestSource {
    random: Sfc32,
    traffic: Traffic,
    /// Request head up to the Host value's end, shared by every request.
    host_line: Vec<u8>,
    body: String,
}

impl RequestSource {
    pub fn new(traffic: &Traffic, host: &str, seed: u64, stream: u32) -> Self {
        RequestSource {
            random: Sfc32::new(seed, stream),
            traffic: traffic.clone(),
            host_line: format!("Host: {host}\r\n").into_bytes(),
            body: String::with_capacity(128),
        }
    }

    /// Draws the next request and writes its HTTP/1.1 bytes into `out` (cleared first); the method judges the answer.
    pub fn next_into(&mut self, out: &mut Vec<u8>) -> Method {
        out.clear();
        let (method, path, body) = self.next_parts();
        match method {
            Method::Get => {
                out.extend_from_slice(b"GET ");
                out.extend_from_slice(path.as_bytes());
                out.extend_from_slice(b" HTTP/1.1\r\n");
                out.extend_from_slice(&self.host_line);
                out.extend_from_slice(b"\r\n");
            }
            Method::Post => {
                let body = body.unwrap_or_default();
                out.extend_from_slice(b"POST /kv HTTP/1.1\r\n");
                out.extend_from_slice(&self.host_line);
                out.extend_from_slice(b"Content-Type: application/json\r\nContent-Length: ");
                out.extend_from_slice(body.len().to_string().as_bytes());
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(body.as_bytes());
            }
        }
        method
    }

    /// The next request as (method, path, body): the form `--dump` prints and the tests compare.
    pub fn next_parts(&mut self) -> (Method, String, Option<String>) {
        let traffic = &self.traffic;
        let random = &mut self.random;
        let is_get = random.unit() < traffic.read_fraction;
        let index = random.below(traffic.key_count);
        if is_get {
            return (Method::Get, format!("{}{index}", traffic.key_path_prefix), None);
        }
        let body = &mut self.body;
        body.clear();
        body.push_str("{\"key\":");
        body.push_str(&traffic.key_json_prefix);
        body.push_str(&index.to_string());
        body.push_str("\",\"value\":");
        match &traffic.values {
            Values::Int { min, max } => {
                let span = (max - min + 1) as u64;
                body.push_str(&(min + random.below(span) as i64).to_string());
            }
            Values::String { base } => {
                let offset = random.below(base.len() as u64) as usize;
                body.push('"');
                body.push_str(&base[offset..]);
                body.push_str(&base[..offset]);
                body.push('"');
            }
        }
        if let Some(ttl) = &traffic.ttl {
            let value = ttl.max_sec - random.unit() * (ttl.max_sec - ttl.min_sec);
            body.push_str(",\"ttl\":");
            body.push_str(&js_number(value));
        }
        body.push('}');
        (Method::Post, "/kv".to_string(), Some(body.clone()))
    }
}

/// A number as JavaScript's `String(x)` writes it, for the finite non-negative values a TTL takes: the shortest
/// digits that round-trip (Rust's `{}` and `{:e}` pick the same digits as ECMAScript), in exponent form below 1e-6
/// and from 1e21 on, as ECMAScript does.
pub fn js_number(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e21).contains(&x.abs()) {
        // Rust writes 1.5e-7, ECMAScript 1.5e-7; for big exponents ECMAScript writes an explicit plus sign.
        let text = format!("{x:e}");
        return match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        };
    }
    format!("{x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_matches_ecmascript_forms() {
        assert_eq!(js_number(2.0), "2");
        assert_eq!(js_number(1.5), "1.5");
        assert_eq!(js_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(0.0), "0");
    }
}
