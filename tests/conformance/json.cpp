// SPDX-License-Identifier: Apache-2.0
#include "json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <ATen/ATen.h>

#include <pplx/error.h>

namespace pplx {
namespace conformance {

// Recursive descent over the whole text (RFC 8259); the files are small, so a DOM is fine.
class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Json document() {
    Json v = value("$");
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters after the document");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ValueError("JSON syntax error at line ", line, ", column ", col, ": ", why);
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    return s_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + s_[pos_] + "'");
    ++pos_;
  }

  bool consume_literal(const char* lit) {
    size_t n = std::char_traits<char>::length(lit);
    if (s_.compare(pos_, n, lit) != 0) return false;
    pos_ += n;
    return true;
  }

  Json value(const std::string& path) {
    Json v;
    v.path_ = path;
    char c = peek();
    if (c == '{') {
      v.type_ = Json::Type::object;
      ++pos_;
      if (peek() == '}') {
        ++pos_;
        return v;
      }
      while (true) {
        if (peek() != '"') fail("expected a string key");
        std::string key = string();
        expect(':');
        v.object_.emplace_back(key, value(path + "." + key));
        char d = peek();
        ++pos_;
        if (d == '}') break;
        if (d != ',') fail("expected ',' or '}' in an object");
      }
    } else if (c == '[') {
      v.type_ = Json::Type::array;
      ++pos_;
      if (peek() == ']') {
        ++pos_;
        return v;
      }
      while (true) {
        v.array_.push_back(value(path + "[" + std::to_string(v.array_.size()) + "]"));
        char d = peek();
        ++pos_;
        if (d == ']') break;
        if (d != ',') fail("expected ',' or ']' in an array");
      }
    } else if (c == '"') {
      v.type_ = Json::Type::string;
      v.string_ = string();
    } else if (consume_literal("true")) {
      v.type_ = Json::Type::boolean;
      v.bool_ = true;
    } else if (consume_literal("false")) {
      v.type_ = Json::Type::boolean;
    } else if (consume_literal("null")) {
      v.type_ = Json::Type::null;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      number(v);
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  void number(Json& v) {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (digits() == 0) fail("malformed number");
    bool integer = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      integer = false;
      if (digits() == 0) fail("malformed number: no digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      integer = false;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("malformed number: no digits in the exponent");
    }
    const std::string tok = s_.substr(start, pos_ - start);
    v.type_ = Json::Type::number;
    // strtod is correctly rounded in glibc, so the shortest round-trip representation the files
    // use reads back to the exact float64.
    errno = 0;
    v.number_ = std::strtod(tok.c_str(), nullptr);
    if (integer) {
      errno = 0;
      long long i = std::strtoll(tok.c_str(), nullptr, 10);
      if (errno == 0) {
        v.is_integer_ = true;
        v.integer_ = i;
      }
    } else if (std::isfinite(v.number_) && v.number_ == std::floor(v.number_) && std::fabs(v.number_) < 9e15) {
      v.is_integer_ = true;
      v.integer_ = static_cast<int64_t>(v.number_);
    }
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= h - '0';
      else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
      else fail("invalid hex digit in \\u escape");
    }
    return cp;
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair encodes one code point
            if (!consume_literal("\\u")) fail("unpaired surrogate in \\u escape");
            uint32_t lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("invalid low surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(std::string("invalid escape '\\") + e + "'");
      }
    }
    return out;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

Json Json::parse(const std::string& text) { return Parser(text).document(); }

Json Json::parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("cannot open '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IOError("cannot read '" + path + "'");
  try {
    return parse(ss.str());
  } catch (const ValueError& e) {
    throw ValueError("'" + path + "': " + e.what());
  }
}

void Json::type_error(const char* wanted) const {
  static const char* names[] = {"null", "boolean", "number", "string", "array", "object"};
  throw ValueError("JSON value at ", path_, " is ", names[static_cast<int>(type_)], ", expected ", wanted);
}

bool Json::is_float() const {
  return type_ == Type::number ||
         (type_ == Type::string && (string_ == "NaN" || string_ == "Infinity" || string_ == "-Infinity"));
}

bool Json::as_bool() const {
  if (type_ != Type::boolean) type_error("a boolean");
  return bool_;
}

double Json::as_double() const {
  if (type_ == Type::number) return number_;
  if (type_ == Type::string) {
    if (string_ == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (string_ == "Infinity") return std::numeric_limits<double>::infinity();
    if (string_ == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  type_error("a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
}

int64_t Json::as_int() const {
  if (type_ != Type::number || !is_integer_) type_error("an integer");
  return integer_;
}

const std::string& Json::as_string() const {
  if (type_ != Type::string) type_error("a string");
  return string_;
}

const std::vector<Json>& Json::as_array() const {
  if (type_ != Type::array) type_error("an array");
  return array_;
}

const Json::Members& Json::items() const {
  if (type_ != Type::object) type_error("an object");
  return object_;
}

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::object) return nullptr;
  for (const auto& m : object_)
    if (m.first == key) return &m.second;
  return nullptr;
}

const Json& Json::operator[](const std::string& key) const {
  if (type_ != Type::object) type_error("an object");
  if (const Json* v = find(key)) return *v;
  throw ValueError("JSON object at ", path_, " has no key '", key, "'");
}

const Json& Json::operator[](size_t index) const {
  const auto& a = as_array();
  if (index >= a.size()) throw ValueError("JSON array at ", path_, " has ", a.size(), " elements, index ", index);
  return a[index];
}

size_t Json::size() const {
  if (type_ == Type::array) return array_.size();
  if (type_ == Type::object) return object_.size();
  return 0;
}

bool is_tensor_json(const Json& j) {
  return j.is_object() && j.contains("shape") && j.contains("dtype") && j.contains("data");
}

namespace {
// Flattens nested `data` in row-major order, checking each level's length against `shape`.
void flatten(const Json& data, const std::vector<int64_t>& shape, size_t depth, std::vector<const Json*>& out) {
  if (depth == shape.size()) {
    if (data.is_array()) throw ValueError("tensor data at " + data.path() + " is nested deeper than its shape");
    out.push_back(&data);
    return;
  }
  const auto& a = data.as_array();
  if (static_cast<int64_t>(a.size()) != shape[depth])
    throw ValueError("tensor data at ", data.path(), " has ", a.size(), " elements but shape[", depth, "] is ",
                     shape[depth]);
  for (const auto& e : a) flatten(e, shape, depth + 1, out);
}
}  // namespace

at::Tensor tensor_from_json(const Json& j) {
  if (!is_tensor_json(j)) throw ValueError("JSON value at " + j.path() + " is not a tensor {shape, dtype, data}");
  std::vector<int64_t> shape;
  for (const auto& s : j["shape"].as_array()) shape.push_back(s.as_int());
  const std::string& dtype = j["dtype"].as_string();
  std::vector<const Json*> flat;
  flatten(j["data"], shape, 0, flat);
  const auto n = static_cast<int64_t>(flat.size());
  if (dtype == "float64") {
    auto t = at::empty({n}, at::TensorOptions().dtype(at::kDouble));
    double* p = t.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = flat[i]->as_double();
    return t.reshape(shape);
  }
  if (dtype == "int64") {
    auto t = at::empty({n}, at::TensorOptions().dtype(at::kLong));
    int64_t* p = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = flat[i]->as_int();
    return t.reshape(shape);
  }
  if (dtype == "bool") {
    auto t = at::empty({n}, at::TensorOptions().dtype(at::kBool));
    bool* p = t.data_ptr<bool>();
    for (int64_t i = 0; i < n; ++i) p[i] = flat[i]->as_bool();
    return t.reshape(shape);
  }
  throw ValueError("tensor at " + j.path() + " has unsupported dtype '" + dtype + "' (float64, int64 or bool)");
}

}  // namespace conformance
}  // namespace pplx
