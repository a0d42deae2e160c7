// SPDX-License-Identifier: Apache-2.0
// A small JSON reader for the conformance files (no JSON library is allowed): a DOM plus the
// conversion of the files' tensor objects to LibTorch tensors.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace pplx {
namespace conformance {

/// One JSON value. Objects keep their keys in file order. Accessors throw pplx::ValueError with
/// the value's path (e.g. `$.cases[3].params.loc`) when the type or key is not the one asked for.
///
///   Json doc = Json::parse_file("kl.json");
///   for (const auto& [pair, cases] : doc["pairs"].items()) { ... }
class Json {
 public:
  enum class Type { null, boolean, number, string, array, object };
  using Members = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  /// Parses a whole document; throws pplx::ValueError with line and column on a syntax error.
  static Json parse(const std::string& text);
  /// Reads and parses a file; throws pplx::IOError when it cannot be read.
  static Json parse_file(const std::string& path);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_bool() const { return type_ == Type::boolean; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  /// A number, or one of the strings "NaN", "Infinity", "-Infinity" the files use for
  /// non-finite floats.
  bool is_float() const;

  bool as_bool() const;
  /// A number or a non-finite string (see is_float).
  double as_double() const;
  /// A number holding an integer.
  int64_t as_int() const;
  const std::string& as_string() const;
  const std::vector<Json>& as_array() const;
  const Members& items() const;

  /// Object member; throws when missing.
  const Json& operator[](const std::string& key) const;
  /// Array element; throws when out of range.
  const Json& operator[](size_t index) const;
  /// Object member or nullptr.
  const Json* find(const std::string& key) const;
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  /// Number of array elements or object members (0 otherwise).
  size_t size() const;
  /// Where this value sits in its document, e.g. `$.pairs["Normal/Normal"][0].kl`.
  const std::string& path() const { return path_; }

 private:
  friend class Parser;
  [[noreturn]] void type_error(const char* wanted) const;

  Type type_ = Type::null;
  bool bool_ = false;
  double number_ = 0.0;
  bool is_integer_ = false;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<Json> array_;
  Members object_;
  std::string path_ = "$";
};

/// The files' tensor object `{"shape": [...], "dtype": "float64"|"int64"|"bool", "data": nested}`
/// as a CPU tensor of that dtype. Throws pplx::ValueError when data and shape disagree.
at::Tensor tensor_from_json(const Json& j);

/// Whether `j` looks like a tensor object (has shape, dtype and data).
bool is_tensor_json(const Json& j);

}  // namespace conformance
}  // namespace pplx
