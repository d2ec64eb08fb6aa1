#!/usr/bin/env python3
"""make_fixtures.py - write the attachment fixtures tests/golden/mime/attach_*.eml.

Small, hand-built containers for the golden extraction dumps (obj/mime_dump
prints every scanned text the extractor emits, with its part path and the
incomplete flags). Run once and commit the output; `zip` (Info-ZIP) is needed
for the ZipCrypto fixture only. Values are published test numbers.
"""
import base64, gzip, io, os, subprocess, tempfile, zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mime")
FIXED = (2024, 1, 1, 0, 0, 0)


def zbytes(entries, compress=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compress) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, FIXED)
            zi.compress_type = compress
            z.writestr(zi, data)
    return b.getvalue()


def mail(name, parts, subject):
    """parts: list of (content_type, filename, bytes)"""
    out = ["From: a@example.org", "To: b@example.org", "Subject: " + subject,
           "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b"', "",
           "--b", "Content-Type: text/plain", "", "See attached.", ""]
    for ctype, fname, data in parts:
        out += ["--b", "Content-Type: " + ctype,
                'Content-Disposition: attachment; filename="%s"' % fname,
                "Content-Transfer-Encoding: base64", ""]
        b64 = base64.b64encode(data).decode()
        out += [b64[i:i + 76] for i in range(0, len(b64), 76)]
    out += ["--b--", ""]
    with open(os.path.join(OUT, name), "w", newline="\n") as f:
        f.write("\n".join(out))


CT = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'

docx = zbytes([
    ("[Content_Types].xml", CT),
    ("docProps/core.xml", "<cp><dc:title>GB82 WEST 1234 5698 7654 32</dc:title></cp>"),
    ("word/document.xml",
     '<?xml version="1.0"?><w:document %s><w:body>'
     '<w:p><w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>NHS number: </w:t></w:r>'
     '<w:r><w:rPr><w:b/></w:rPr><w:t>943 47</w:t></w:r><w:r><w:t>6 5919</w:t></w:r></w:p>'
     '<w:p><w:del><w:r><w:delText>GB82 WEST 1234 5698 7654 32</w:delText></w:r></w:del>'
     '<w:r><w:t>kept</w:t><w:tab/><w:t>after tab</w:t><w:br/><w:t>line two</w:t><w:noBreakHyphen/></w:r></w:p>'
     '<mc:AlternateContent><mc:Choice><w:p><w:r><w:t>choice</w:t></w:r></w:p></mc:Choice>'
     '<mc:Fallback><w:p><w:r><w:t>fallback</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent>'
     '<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid>'
     '<w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Date of birth</w:t></w:r></w:p></w:tc></w:tr>'
     '<w:tr><w:tc><w:p><w:r><w:t>A. Smith</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1984-03-12</w:t></w:r></w:p></w:tc>'
     '<w:tc><w:p/></w:tc></w:tr></w:tbl>'
     '</w:body></w:document>' % W),
    ("word/header1.xml", '<w:hdr %s><w:p><w:r><w:t>Header one</w:t></w:r></w:p></w:hdr>' % W),
])

SS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
xlsx = zbytes([
    ("[Content_Types].xml", CT),
    ("xl/workbook.xml", '<workbook %s><sheets><sheet name="People" sheetId="1" r:id="rId1"/>'
     '<sheet name="Chart" sheetId="2" r:id="rId2"/><sheet name="Hidden" sheetId="3" state="hidden" r:id="rId3"/>'
     '</sheets></workbook>' % SS),
    ("xl/_rels/workbook.xml.rels",
     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
     '<Relationship Id="rId1" Type="%sworksheet" Target="worksheets/sheet1.xml"/>'
     '<Relationship Id="rId2" Type="%schartsheet" Target="chartsheets/sheet1.xml"/>'
     '<Relationship Id="rId3" Type="%sworksheet" Target="/xl/worksheets/sheet2.xml"/>'
     '<Relationship Id="rId4" Type="%ssharedStrings" Target="sharedStrings.xml"/>'
     '<Relationship Id="rId5" Type="%sstyles" Target="styles.xml"/></Relationships>' % ((RT,) * 5)),
    ("xl/sharedStrings.xml", '<sst %s><si><t>Name</t></si><si><t>DOB</t></si><si><t>NHS</t></si>'
     '<si><r><t>A. </t></r><r><t>Smith</t></r><rPh><t>phonetic</t></rPh></si></sst>' % SS),
    ("xl/styles.xml", '<styleSheet %s><numFmts><numFmt numFmtId="164" formatCode="&quot;day&quot; 0.0"/>'
     '<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/>'
     '<xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>' % SS),
    ("xl/worksheets/sheet1.xml", '<worksheet %s><sheetData>'
     '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row>'
     '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" s="1"><v>30000</v></c><c r="D3"><v>9434765919</v></c></row>'
     '<row><c t="inlineStr"><is><t>inline</t></is></c><c s="3"><v>60</v></c><c s="2"><v>12.5</v></c>'
     '<c t="b"><v>1</v></c><c t="str"><v>formula</v></c></row>'
     '</sheetData></worksheet>' % SS),
    ("xl/worksheets/sheet2.xml", '<worksheet %s><sheetData><row r="1"><c r="A1"><v>1.5E+20</v></c></row>'
     '</sheetData></worksheet>' % SS),
])

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
ods = zbytes([
    ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
    ("meta.xml", "<meta>GB82 WEST 1234 5698 7654 32</meta>"),
    ("content.xml", '<office:document-content %s><office:body><office:spreadsheet><table:table>'
     '<table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell>'
     '<table:table-cell table:number-columns-repeated="2"/>'
     '<table:table-cell><text:p>Birth date</text:p></table:table-cell></table:table-row>'
     '<table:table-row table:number-rows-repeated="2"><table:table-cell><text:p>B<text:s text:c="2"/>Jones'
     '<office:annotation><dc:creator>x</dc:creator><text:p>note</text:p></office:annotation></text:p></table:table-cell>'
     '<table:table-cell table:number-columns-repeated="2"/>'
     '<table:table-cell office:value-type="date" office:date-value="1979-11-02T00:00:00"><text:p>02/11/79</text:p>'
     '</table:table-cell><table:table-cell office:value-type="float" office:value="9434765919"><text:p>9.4E9</text:p>'
     '</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>'
     % ODF_NS),
])

csv1252 = "Name;IBAN;Born\r\nRen\xe9;GB82 WEST 1234 5698 7654 32;1990-01-02\r\n".encode("cp1252")
inner = zbytes([("deep/a.tsv", "id\tdate of birth\nx\t1971-07-07\n")])
plain_zip = zbytes([
    ("exports/", ""),
    ("exports/people.csv", csv1252),
    ("exports/notes.txt", "\ufeffcard 4532 0151 1283 0366\n".encode("utf-8")),
    ("exports/pixel.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("exports/inner.zip", inner),
])


def nest(data, levels):
    for i in range(levels):
        data = zbytes([("level%d.zip" % i if i else "x.csv", data)])
    return data


deep = nest(b"dob\n1960-06-06\n", 5)

gz = gzip.compress(b"nhs,name\n943 476 5919,x\n", mtime=0)
gz_named = bytearray(gz)
gz_named[3] |= 0x08
gz_named = bytes(gz_named[:10]) + b"export.csv\x00" + bytes(gz_named[10:])

bomb = zbytes([("zeros.txt", b"0" * (2 * 1024 * 1024)), ("ok.txt", "iban GB82 WEST 1234 5698 7654 32\n")])
corrupt = xlsx[: len(xlsx) // 2]

with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "secret.csv"), "w") as f:
        f.write("nhs\n943 476 5919\n")
    with open(os.path.join(d, "open.txt"), "w") as f:
        f.write("card 4532 0151 1283 0366\n")
    subprocess.run(["zip", "-q", "-X", "-P", "pw", os.path.join(d, "s.zip"), "secret.csv"], cwd=d, check=True)
    subprocess.run(["zip", "-q", "-X", os.path.join(d, "s.zip"), "open.txt"], cwd=d, check=True)
    encrypted = open(os.path.join(d, "s.zip"), "rb").read()

mail("attach_docx.eml", [("application/octet-stream", "report.dat", docx)], "docx as octet-stream")
mail("attach_xlsx.eml", [("application/vnd.ms-excel", "people.xlsx", xlsx)], "xlsx")
mail("attach_ods.eml", [("image/jpeg", "scan.jpg", ods)], "ods named jpg")
mail("attach_zip.eml", [("text/plain", "exports.zip", plain_zip)], "zip labelled text/plain")
mail("attach_gzip.eml", [("application/gzip", "a.csv.gz", gz), ("application/gzip", "b.gz", gz_named)], "gzip")
mail("attach_limits.eml", [("application/zip", "deep.zip", deep), ("application/zip", "bomb.zip", bomb)], "limits")
mail("attach_encrypted.eml", [("application/zip", "s.zip", encrypted)], "encrypted")
mail("attach_corrupt.eml", [("application/octet-stream", "cut.xlsx", corrupt)], "truncated xlsx")
