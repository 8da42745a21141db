// Minimal protobuf wire format and the JSON byte-array framing of the
// plugin ABI: just what the guest in main.rs sends and reads. Errors are
// returned as text; the caller unwraps them, so a malformed message from
// the host makes the guest panic, as a strict plugin does.

/// Builds one message.
#[derive(Default)]
pub struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn new() -> Enc {
        Enc { buf: Vec::new() }
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.varint(((field as u64) << 3) | wire as u64);
    }

    /// A varint field, written even when zero (oneof members and optional
    /// scalars are always written when set).
    pub fn uint(&mut self, field: u32, v: u64) -> &mut Enc {
        self.key(field, 0);
        self.varint(v);
        self
    }

    /// An enum or scalar in a plain proto3 field: zero is left out.
    pub fn plain(&mut self, field: u32, v: u64) -> &mut Enc {
        if v != 0 {
            self.uint(field, v);
        }
        self
    }

    pub fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Enc {
        self.key(field, 2);
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    pub fn string(&mut self, field: u32, s: &str) -> &mut Enc {
        self.bytes(field, s.as_bytes())
    }

    pub fn message(&mut self, field: u32, m: &Enc) -> &mut Enc {
        self.bytes(field, &m.buf)
    }

    /// A packed repeated varint field (what prost writes for repeated enums).
    pub fn packed(&mut self, field: u32, vs: &[u64]) -> &mut Enc {
        let mut inner = Enc::new();
        for v in vs {
            inner.varint(*v);
        }
        self.bytes(field, &inner.buf)
    }
}

/// One field of a decoded message.
pub enum Val<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Val<'a> {
    pub fn as_u64(&self) -> Result<u64, String> {
        match self {
            Val::Varint(v) => Ok(*v),
            _ => Err("want a varint".to_string()),
        }
    }

    pub fn as_bytes(&self) -> Result<&'a [u8], String> {
        match self {
            Val::Bytes(b) => Ok(b),
            _ => Err("want a length-delimited field".to_string()),
        }
    }

    pub fn as_string(&self) -> Result<String, String> {
        String::from_utf8(self.as_bytes()?.to_vec()).map_err(|e| format!("invalid UTF-8: {}", e))
    }

    /// The values of a repeated varint field, packed or not.
    pub fn varints(&self) -> Result<Vec<u64>, String> {
        match self {
            Val::Varint(v) => Ok(vec![*v]),
            Val::Bytes(b) => {
                let mut d = Dec { b, pos: 0 };
                let mut out = Vec::new();
                while d.pos < d.b.len() {
                    out.push(d.varint()?);
                }
                Ok(out)
            }
            _ => Err("want varints".to_string()),
        }
    }
}

struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            if self.pos >= self.b.len() {
                return Err("truncated varint".to_string());
            }
            let c = self.b[self.pos];
            self.pos += 1;
            if shift >= 64 {
                return Err("varint too long".to_string());
            }
            v |= ((c & 0x7f) as u64) << shift;
            if c < 0x80 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.b.len() - self.pos < n {
            return Err("truncated field".to_string());
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
}

/// Splits a message into (field number, value) pairs in wire order.
pub fn fields(b: &[u8]) -> Result<Vec<(u32, Val)>, String> {
    let mut d = Dec { b, pos: 0 };
    let mut out = Vec::new();
    while d.pos < b.len() {
        let key = d.varint()?;
        let field = (key >> 3) as u32;
        if field == 0 {
            return Err("field number 0".to_string());
        }
        let v = match key & 7 {
            0 => Val::Varint(d.varint()?),
            1 => {
                let s = d.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Val::Fixed64(u64::from_le_bytes(a))
            }
            2 => {
                let n = d.varint()? as usize;
                Val::Bytes(d.take(n)?)
            }
            5 => {
                let s = d.take(4)?;
                let mut a = [0u8; 4];
                a.copy_from_slice(s);
                Val::Fixed32(u32::from_le_bytes(a))
            }
            w => return Err(format!("unsupported wire type {}", w)),
        };
        out.push((field, v));
    }
    Ok(out)
}

/// The framing: a message as a JSON array of decimal bytes.
pub fn to_json(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 4 + 2);
    s.push('[');
    for (i, c) in b.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&c.to_string());
    }
    s.push(']');
    s
}

/// Parses one framed line (surrounding whitespace, such as the host's
/// "\r\n", allowed). An empty line is an error, as for a JSON parser.
pub fn from_json(line: &str) -> Result<Vec<u8>, String> {
    let t = line.trim();
    if t.is_empty() {
        return Err("EOF while parsing a value".to_string());
    }
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| format!("not a JSON byte array: {:?}", short(t)))?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Ok(out);
    }
    for part in inner.split(',') {
        let n: u16 = part
            .trim()
            .parse()
            .map_err(|_| format!("bad byte {:?} in {:?}", part, short(t)))?;
        if n > 255 {
            return Err(format!("byte {} out of range", n));
        }
        out.push(n as u8);
    }
    Ok(out)
}

fn short(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
