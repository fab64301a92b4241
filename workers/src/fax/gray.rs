//! An 8-bit greyscale page (0 = black, 255 = white) and the cheap transforms that make a FAX page
//! readable: square pixels, a turn, despeckling, and cropping to where the codes are.

/// A greyscale image, row-major, one byte per pixel.
#[derive(Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Gray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gray({}x{})", self.width, self.height)
    }
}

impl Gray {
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Gray {
        debug_assert_eq!(data.len(), width as usize * height as usize);
        Gray {
            width,
            height,
            data,
        }
    }

    /// A bilevel page from rows of colour changes (as CCITT decoders give them): each row starts
    /// white, and flips at every listed position.
    pub fn from_changes(width: u32, rows: &[Vec<u32>]) -> Gray {
        let w = width as usize;
        let mut data = vec![255u8; w * rows.len()];
        for (y, changes) in rows.iter().enumerate() {
            let row = &mut data[y * w..(y + 1) * w];
            for pair in changes.chunks(2) {
                let start = (pair[0] as usize).min(w);
                let end = pair.get(1).map_or(w, |&e| (e as usize).min(w));
                if start < end {
                    row[start..end].fill(0);
                }
            }
        }
        Gray::new(width, rows.len() as u32, data)
    }

    pub fn invert(&mut self) {
        self.data.iter_mut().for_each(|v| *v = 255 - *v);
    }

    /// Repeats every row `factor` times: standard-resolution FAX pixels are twice as tall as wide.
    pub fn stretch_rows(&self, factor: u32) -> Gray {
        if factor <= 1 {
            return self.clone();
        }
        let w = self.width as usize;
        let mut data = Vec::with_capacity(self.data.len() * factor as usize);
        for row in self.data.chunks(w.max(1)) {
            for _ in 0..factor {
                data.extend_from_slice(row);
            }
        }
        Gray::new(self.width, self.height * factor, data)
    }

    /// The page turned half a turn (a sheet fed upside down).
    pub fn rotate180(&self) -> Gray {
        let mut data = self.data.clone();
        data.reverse();
        Gray::new(self.width, self.height, data)
    }

    /// The page turned a quarter turn clockwise.
    pub fn rotate90(&self) -> Gray {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut data = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                data[x * h + (h - 1 - y)] = self.data[y * w + x];
            }
        }
        Gray::new(self.height, self.width, data)
    }

    /// A 3×3 median filter: removes salt-and-pepper noise from a FAX line without eating the
    /// QR modules, which are many pixels wide.
    pub fn median3(&self) -> Gray {
        let (w, h) = (self.width as usize, self.height as usize);
        if w < 3 || h < 3 {
            return self.clone();
        }
        let mut out = self.data.clone();
        let mut win = [0u8; 9];
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let mut k = 0;
                for dy in 0..3 {
                    let row = (y + dy - 1) * w;
                    win[k..k + 3].copy_from_slice(&self.data[row + x - 1..row + x + 2]);
                    k += 3;
                }
                win.sort_unstable();
                out[y * w + x] = win[4];
            }
        }
        Gray::new(self.width, self.height, out)
    }

    /// The rectangle (x, y, w, h), clipped to the page.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Gray {
        let x = x.min(self.width);
        let y = y.min(self.height);
        let w = w.min(self.width - x);
        let h = h.min(self.height - y);
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for row in y..y + h {
            let start = (row * self.width + x) as usize;
            data.extend_from_slice(&self.data[start..start + w as usize]);
        }
        Gray::new(w, h, data)
    }

    /// Halves both dimensions (2×2 average): big scans decode faster and often better smaller.
    pub fn half(&self) -> Gray {
        let (w, h) = (self.width as usize / 2, self.height as usize / 2);
        let sw = self.width as usize;
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let i = 2 * y * sw + 2 * x;
                let sum = self.data[i] as u32
                    + self.data[i + 1] as u32
                    + self.data[i + sw] as u32
                    + self.data[i + sw + 1] as u32;
                data.push((sum / 4) as u8);
            }
        }
        Gray::new(w as u32, h as u32, data)
    }

    /// Shrinks by a whole factor to at most `max_width` pixels wide (box average): thumbnails.
    pub fn shrink_to(&self, max_width: u32) -> Gray {
        let f = self.width.div_ceil(max_width.max(1)).max(1) as usize;
        if f == 1 {
            return self.clone();
        }
        let sw = self.width as usize;
        let (w, h) = (sw / f, self.height as usize / f);
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0u32;
                for row in y * f..(y + 1) * f {
                    let start = row * sw + x * f;
                    sum += self.data[start..start + f]
                        .iter()
                        .map(|&v| u32::from(v))
                        .sum::<u32>();
                }
                data.push((sum / (f * f) as u32) as u8);
            }
        }
        Gray::new(w as u32, h as u32, data)
    }

    /// Encodes as PNG, for the page view in the UI: one bit a pixel when the page is black and
    /// white only (a FAX page, a sixth of the size), else eight.
    pub fn to_png(&self) -> Vec<u8> {
        let bilevel = self.data.iter().all(|&v| v == 0 || v == 255);
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_compression(png::Compression::Fast);
            let packed;
            let data = if bilevel {
                enc.set_depth(png::BitDepth::One);
                packed = self
                    .data
                    .chunks(self.width.max(1) as usize)
                    .flat_map(|row| {
                        row.chunks(8).map(|bits| {
                            bits.iter()
                                .enumerate()
                                .fold(0u8, |b, (i, &v)| b | (u8::from(v != 0) << (7 - i)))
                        })
                    })
                    .collect::<Vec<u8>>();
                &packed
            } else {
                enc.set_depth(png::BitDepth::Eight);
                &self.data
            };
            if let Ok(mut w) = enc.write_header() {
                let _ = w.write_image_data(data);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_fill_black_runs() {
        let g = Gray::from_changes(8, &[vec![2, 4], vec![6], vec![]]);
        assert_eq!(&g.data[0..8], &[255, 255, 0, 0, 255, 255, 255, 255]);
        assert_eq!(
            &g.data[8..16],
            &[255, 255, 255, 255, 255, 255, 0, 0],
            "odd count ends black"
        );
        assert!(g.data[16..].iter().all(|&v| v == 255));
    }

    #[test]
    fn transforms_keep_pixels() {
        let g = Gray::new(3, 2, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(g.rotate180().data, vec![6, 5, 4, 3, 2, 1]);
        assert_eq!(g.rotate90().data, vec![4, 1, 5, 2, 6, 3]);
        assert_eq!(g.rotate90().width, 2);
        let s = g.stretch_rows(2);
        assert_eq!((s.height, &s.data[..6]), (4, &[1, 2, 3, 1, 2, 3][..]));
        assert_eq!(g.crop(1, 1, 5, 5).data, vec![5, 6]);
        let mut i = g.clone();
        i.invert();
        assert_eq!(i.data[0], 254);
    }

    #[test]
    fn png_round_trips_bilevel_and_grey_pages() {
        let decode = |png: &[u8]| {
            let mut r = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            let mut buf = vec![0; r.output_buffer_size().unwrap()];
            let info = r.next_frame(&mut buf).unwrap();
            (info.bit_depth, info.width, info.height, buf)
        };
        let page = Gray::new(
            10,
            2,
            (0..20).map(|i| if i % 3 == 0 { 0 } else { 255 }).collect(),
        );
        let (depth, w, h, buf) = decode(&page.to_png());
        assert_eq!((depth, w, h), (png::BitDepth::One, 10, 2));
        // Row 0, pixels 0..8: black at 0, 3, 6 -> 0b0110_1101; rows are padded to whole bytes.
        assert_eq!(buf[0], 0b0110_1101);
        assert_eq!(buf.len(), 4);
        let grey = Gray::new(3, 1, vec![0, 128, 255]);
        let (depth, _, _, buf) = decode(&grey.to_png());
        assert_eq!((depth, buf), (png::BitDepth::Eight, vec![0, 128, 255]));
    }

    #[test]
    fn shrinking_averages_whole_blocks() {
        let g = Gray::new(4, 2, vec![0, 255, 255, 255, 0, 255, 255, 255]);
        let s = g.shrink_to(2);
        assert_eq!((s.width, s.height, s.data), (2, 1, vec![127, 255]));
        assert_eq!(g.shrink_to(10), g);
    }

    #[test]
    fn median_removes_a_speck() {
        let mut data = vec![255u8; 25];
        data[12] = 0;
        let g = Gray::new(5, 5, data).median3();
        assert!(g.data.iter().all(|&v| v == 255));
    }
}
