package screen

// sgr applies the Select Graphic Rendition parameters of the current CSI.
func (v *vt) sgr() {
	s := v.s
	n := v.nparams
	if n == 0 {
		s.pen = pen{}
		return
	}
	p := v.params[:n]
	for i := 0; i < n; {
		code := p[i]
		j := i + 1
		for j < n && v.sub[j] {
			j++
		}
		subs := p[i+1 : j]
		switch code {
		case 38, 48, 58:
			var c Color
			ok := false
			if len(subs) > 0 {
				c, ok = extendedColor(subs)
				i = j
			} else {
				var used int
				c, ok, used = semicolonColor(p[i+1:])
				i += 1 + used
			}
			if ok {
				switch code {
				case 38:
					s.pen.fg = c
				case 48:
					s.pen.bg = c
				}
				// 58 (underline colour) is parsed and dropped.
			}
			continue
		case 4:
			if len(subs) > 0 && subs[0] == 0 {
				s.pen.attr &^= Underline
			} else {
				s.pen.attr |= Underline
			}
		default:
			s.pen.applySGR(code)
		}
		i = j
	}
}

// applySGR applies one simple SGR code.
func (p *pen) applySGR(code int) {
	switch {
	case code == 0:
		*p = pen{}
	case code == 1:
		p.attr |= Bold
	case code == 2:
		p.attr |= Dim
	case code == 3:
		p.attr |= Italic
	case code == 5 || code == 6:
		p.attr |= Blink
	case code == 7:
		p.attr |= Reverse
	case code == 8:
		p.attr |= Hidden
	case code == 9:
		p.attr |= Strike
	case code == 21:
		p.attr &^= Bold
	case code == 22:
		p.attr &^= Bold | Dim
	case code == 23:
		p.attr &^= Italic
	case code == 24:
		p.attr &^= Underline
	case code == 25:
		p.attr &^= Blink
	case code == 27:
		p.attr &^= Reverse
	case code == 28:
		p.attr &^= Hidden
	case code == 29:
		p.attr &^= Strike
	case code >= 30 && code <= 37:
		p.fg = Indexed(uint8(code - 30))
	case code == 39:
		p.fg = DefaultColor
	case code >= 40 && code <= 47:
		p.bg = Indexed(uint8(code - 40))
	case code == 49:
		p.bg = DefaultColor
	case code >= 90 && code <= 97:
		p.fg = Indexed(uint8(code - 90 + 8))
	case code >= 100 && code <= 107:
		p.bg = Indexed(uint8(code - 100 + 8))
	}
}

// extendedColor decodes the colon form 38:5:n, 38:2:r:g:b or
// 38:2:colorspace:r:g:b (subs excludes the leading 38).
func extendedColor(subs []int) (Color, bool) {
	switch subs[0] {
	case 5:
		if len(subs) >= 2 && subs[1] <= 255 {
			return Indexed(uint8(subs[1])), true
		}
	case 2:
		var rgb []int
		switch {
		case len(subs) >= 5:
			rgb = subs[2:5]
		case len(subs) == 4:
			rgb = subs[1:4]
		default:
			return 0, false
		}
		if rgb[0] <= 255 && rgb[1] <= 255 && rgb[2] <= 255 {
			return RGB(uint8(rgb[0]), uint8(rgb[1]), uint8(rgb[2])), true
		}
	}
	return 0, false
}

// semicolonColor decodes the parameters after 38/48/58 in the form 5;n or
// 2;r;g;b. used is how many parameters were consumed.
func semicolonColor(rest []int) (c Color, ok bool, used int) {
	if len(rest) == 0 {
		return 0, false, 0
	}
	switch rest[0] {
	case 5:
		if len(rest) < 2 {
			return 0, false, len(rest)
		}
		if rest[1] > 255 {
			return 0, false, 2
		}
		return Indexed(uint8(rest[1])), true, 2
	case 2:
		if len(rest) < 4 {
			return 0, false, len(rest)
		}
		if rest[1] > 255 || rest[2] > 255 || rest[3] > 255 {
			return 0, false, 4
		}
		return RGB(uint8(rest[1]), uint8(rest[2]), uint8(rest[3])), true, 4
	}
	return 0, false, 1
}
