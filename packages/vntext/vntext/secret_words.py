"""The words the secret detector reads, folded (lowercase, no Vietnamese marks: `mật khẩu` is written `mat khau`).

Data only. `vntext.secrets` builds its tables from these at first use.
"""

# Phrases that announce a one-time code, a password (or app passcode / PIN), an ID number, a phone number.
OTP_CUES = (
    "otp", "opt", "otpp", "code", "ma", "ma otp", "ma xac thuc", "xac thuc", "ma xac nhan", "xac nhan", "mxn",
    "sms", "tin nhan", "nhan tin", "ma kich hoat", "ma dang nhap", "ma so", "ma code", "ma sms",
    "nhap", "go", "dien",  # "em nhập 1985 mà không được": what is typed into the login page
)
PASSWORD_CUES = (
    "mat khau", "mat khai", "mat ma", "matkhau", "mk", "pass", "password", "passwd", "passwork", "pasword",
    "pwd", "pw", "passcode", "pass code", "ma pin", "pin", "ma bao ve", "ma khoa", "mat khau cap 2",
)
ID_CUES = (
    "cccd", "cmnd", "cmt", "can cuoc", "can cuoc cong dan", "dinh danh", "so dinh danh", "ma dinh danh",
    "chung minh", "chung minh nhan dan", "the can cuoc",
)
PHONE_CUES = (
    "sdt", "so dt", "dt", "dien thoai", "so dien thoai", "phone", "so may", "goi", "goi lai", "lien lac",
    "zalo", "hotline",
)

# Phrases that start like a cue but name something else ("mã hồ sơ", "mã QR", "mã lỗi"): not cues.
NOT_CUES = ("ma ho so", "ma qr", "ma loi", "ma buu chinh", "ma so thue", "ma vach", "ma bien nhan", "ma tinh",
            "ma xa", "ma huyen", "ma thu tuc", "ma giao dich", "ma don", "ma van don", "ma nganh")

# Words after which the next word is "explicitly introduced" ("mật khẩu là …", "mk: …").
INTRODUCERS = ("la", "l", ":", "=", "thanh", "is", "-", "doi thanh", "dat la", "dat thanh")

# Words that may stand between a cue and the secret ("mật khẩu em hay dùng là …", "mã nó gửi về là …").
FILLERS = (
    "cua", "toi", "tui", "minh", "em", "e", "anh", "a", "chi", "c", "con", "chau", "bo", "me", "ong", "ba", "co",
    "chu", "bac", "no", "ho", "la", "l", ":", "=", "-", "moi", "cu", "hien", "tai", "dang", "nhap", "vneid",
    "tai", "khoan", "tk", "ung", "dung", "app", "dat", "cai", "day", "nay", "vua", "doi", "thanh", "ban", "ad",
    "login", "ma", "do", "kia", "hay", "thuong", "van", "gui", "ve", "nhan", "duoc", "dc", "roi", "thi", "o", "tren",
    "dien", "thoai", "sms", "tin", "nhan", "cho", "he", "thong", "cong", "dich", "vu", "otp", "so", "dau", "tien",
    "cuoi", "sau", "truoc", "voi", "vao", "va", "bi", "sai", "dung", "ghi", "go", "bam", "an", "chinh", "xac",
    "luon", "lun", "nhe", "a", "nha", "ne", "nay", "kieu", "gi", "ghi", "nho", "qua", "gan", "nhat",
)

# Ordinary words that follow "mật khẩu" / "mk" / "pass" in questions and complaints: a candidate equal to one of
# these is not a password, even after "là" ("mật khẩu là gì", "mk là sai à").
STOPWORDS = (
    "gi", "j", "sao", "nao", "the", "vay", "z", "dau", "ai", "bao", "nhieu", "may", "chua", "chi", "sai", "dung",
    "khong", "ko", "k", "kg", "hong", "hok", "hem", "duoc", "dc", "bi", "da", "roi", "nua", "lai", "van", "cu",
    "luon", "mai", "hoai", "het", "quen", "nho", "nhap", "doi", "tao", "dat", "lay", "khoi", "phuc", "cai",
    "reset", "forgot", "change", "new", "co", "gom", "phai", "can", "nen", "muon", "yeu", "cau", "toi", "thieu",
    "it", "nhat", "chua", "bang", "nhu", "nay", "do", "kia", "ay", "thi", "ma", "nhung", "hay", "hoac", "voi",
    "va", "cho", "de", "o", "tren", "trong", "ngoai", "cua", "la", "moi", "tai", "khoan", "tk", "dinh", "danh",
    "ung", "dung", "app", "web", "cong", "dich", "vu", "he", "thong", "cap", "level", "muc", "hien", "bay",
    "gio", "luc", "a", "oi", "nha", "nhe", "nha", "ha", "ho", "nhi", "day", "kia", "di", "ok", "oke", "okay",
    "loi", "error", "bao", "thi", "yeu", "manh", "dai", "ngan", "kho", "de", "qua", "lam", "rat", "hoi", "ky",
    "ki", "tu", "chu", "so", "thuong", "dac", "biet", "dau", "khoa", "lo", "mat", "nguoi", "khac", "id",
    "passcode", "code", "otp", "pin", "sms", "khau", "pass", "mk", "password", "wifi", "ngan", "hang", "atm",
    "the", "van", "tay", "face", "faceid", "guong", "tin", "nhan", "gui", "ve", "rui", "xong", "han", "ntn",
    "s", "vs", "vi", "boi", "nho", "ho", "giup", "dum", "gium", "dang", "xuat", "ngay", "sinh", "thang", "nam",
    "ten", "cccd", "cmnd", "can", "cuoc", "sdt", "dien", "thoai", "kich", "hoat", "bao", "an", "toan", "hop",
    "le", "du", "trung", "giong", "thoi", "lun", "chu", "vao", "ra", "len", "xuong", "tiep", "den", "tu", "toi",
    "sau", "truoc", "khi", "neu", "thu", "kiem", "tra", "xem", "biet", "hoi", "huong", "dan", "cach", "lam",
    "buoc", "cho", "o", "truong", "nut", "bam", "an", "chon", "go", "dien", "viet", "hop", "dong", "ghi", "luu",
    "tat", "bat", "man", "hinh", "ban", "phim", "caps", "lock", "unikey", "telex", "tieng", "viet", "anh",
    "english", "vn", "en", "xin", "chao", "cam", "on", "thanks", "thank", "tks", "please", "pls", "help",
    "sorry", "xl", "no", "xac", "thuc", "nhan", "vang", "da", "uh", "um", "uhm", "ok", "dung", "roi", "chuan",
    "vneid", "admin", "user", "username", "login", "email", "gmail", "mail", "zalo", "facebook", "fb", "google",
    "icloud", "iphone", "android", "nay", "cai", "kieu", "gi", "nhu", "the", "nao", "vay", "ah", "ak", "nhe",
    "con", "em", "anh", "chi", "minh", "toi", "tui", "bac", "chau", "ong", "ba", "me", "bo", "co", "chu",
    "incorrect", "invalid", "wrong", "expired", "failed", "error", "correct", "required", "locked", "reset",
    "forgot", "forget", "changed", "update", "updated", "dangnhap", "matkhau", "khongdung", "khongduoc",
)

# A number right after one of these labels is kept (at most that many digits): "bước 3", "lỗi 502", "trang 12".
LABELS = {
    "buoc": 2, "step": 2, "loi": 4, "ma loi": 4, "error": 4, "err": 4, "http": 3, "trang": 4, "phong": 4,
    "dieu": 3, "khoan": 3, "muc": 3, "lop": 2, "tang": 2, "so nha": 4, "nha so": 4, "ngo": 4, "hem": 4,
    "km": 4, "ql": 3, "quoc lo": 3, "tinh lo": 3, "lan thu": 3, "thu": 1, "phien ban": 3, "version": 3, "ver": 3,
    "ios": 3, "android": 3, "iphone": 3, "windows": 4, "win": 4, "cau": 2, "bai": 2,
}
# Words that make a 4-digit number from 1900 to 2099 right after them a year ("năm 2024", "sinh 1956").
YEAR_WORDS = ("nam", "sinh", "tu", "den", "truoc", "sau", "cuoi", "dau", "giua", "thang", "tu nam", "den nam",
              "nam sinh", "sinh nam", "nam nay", "vao", "trong", "khoa", "dot")
# Words right after a number that make it an amount, a count, a duration, an age …
UNITS = (
    "dong", "d", "vnd", "nghin", "ngan", "trieu", "tr", "ty", "ti", "k", "%", "usd", "$", "lan", "tuoi", "nguoi",
    "ky tu", "ky", "ki", "chu", "chu so", "so", "trang", "km", "kg", "m", "to", "luot", "buoc", "phut", "giay",
    "gio", "h", "ngay", "thang", "nam", "tuan", "ho", "cai", "chiec", "hs", "ho so", "mb", "gb", "tb", "mp",
    "cm", "mm", "met", "lit", "con", "xa", "phuong", "thon", "xom", "ban", "doi", "ly", "cuon", "phan", "diem",
    "sao", "tin", "cuoc", "ca", "dem", "buoi", "loai", "muc", "cau", "bai", "tiet", "goi", "file",
)
# Number words: each is one digit in a run of at least four ("bốn tám hai chín một ba").
NUMBER_WORDS = {
    "khong": "0", "ko": "0", "linh": "0", "le": "0", "mot": "1", "hai": "2", "ba": "3", "bon": "4",
    "tu": "4", "nam": "5", "lam": "5", "sau": "6", "bay": "7", "tam": "8", "chin": "9",
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9",
}
# Letters glued after digits that make the number an amount or a measure ("50k", "1.500.000d", "8h30", "4g").
GLUED_UNITS = ("k", "d", "vnd", "tr", "h", "g", "p", "gb", "mb", "tb", "mp", "km", "kg", "m", "cm", "mm", "s",
               "st", "nd", "rd", "th", "x", "hz", "w", "mah", "inch", "ty", "trieu")
# Letters-and-digits words that are products or names, not passwords.
NAMED_MODELS = r"(?:iphone|ip|galaxy|samsung|redmi|oppo|vivo|nokia|xiaomi|realme|huawei|ios|android|windows|win|" \
               r"covid|mp|utf|ipv|sha|md|usb|cpu|gpu|ram|rom|lte|wifi|bluetooth|note|pro|max|plus|mini|vneid|h|a|" \
               r"s|m|j|y|f|x|t|v|nd|qd|tt|nq|bca|cp|ttg|ubnd|hs|err|error|loi|e|code)"
