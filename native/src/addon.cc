// Tessera native addon: keccak256 (single and batched), the EIP-152 BLAKE2b compression F, secp256k1 public-key recovery (when built against
// libsecp256k1), and the dlopen loader for zkVM backend libraries (native/ZKVM_ABI.md).
//
// Context-aware: all state lives in the per-environment TesseraAddon instance (napi_set_instance_data
// through Napi::Addon), so the module can be loaded in any number of worker_threads at once.
// Every buffer argument is type- and bounds-checked before use; bad input throws TypeError/RangeError.

#include <dlfcn.h>
#include <napi.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "blake2f.h"
#include "keccak.h"
#include "tessera_backend.h"

#ifdef TESSERA_HAVE_LIBSECP256K1
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#endif

namespace {

bool GetUint8Array(Napi::Env env, const Napi::Value& v, const char* what, const uint8_t** data, size_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  *data = a.Data();  // NULL with length 0 when the buffer is detached
  *len = a.ElementLength();
  return true;
}

void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
}

// ---- zkVM backend library ------------------------------------------------------------------------------

using AbiVersionFn = uint32_t (*)();
using InfoFn = const char* (*)();
using ProveFn = int32_t (*)(const uint8_t*, size_t, const char*, uint8_t**, size_t*, uint8_t**, size_t*, char**);
using VerifyFn = int32_t (*)(const uint8_t*, size_t, const uint8_t*, size_t, char**);
using ExecuteFn = int32_t (*)(const uint8_t*, size_t, const char*, uint8_t**, size_t*, uint64_t*, char**);
using FreeFn = void (*)(void*);

struct Library {
  void* handle = nullptr;
  ProveFn prove = nullptr;
  VerifyFn verify = nullptr;
  ExecuteFn execute = nullptr;
  FreeFn free_fn = nullptr;
  uint32_t abi_version = 0;
  std::string info;
  std::mutex call_mutex;  // one call at a time per loaded library (ABI promise to backend authors)
  ~Library() {
    if (handle != nullptr) dlclose(handle);
  }
};

// One prove/verify/execute call, run on the libuv thread pool; resolves or rejects a promise.
class BackendCall : public Napi::AsyncWorker {
 public:
  enum Kind { kProve, kVerify, kExecute };

  BackendCall(Napi::Env env, std::shared_ptr<Library> lib, Kind kind, std::vector<uint8_t> a, std::vector<uint8_t> b,
              std::string options)
      : Napi::AsyncWorker(env, "tessera:backend"),
        deferred_(Napi::Promise::Deferred::New(env)),
        lib_(std::move(lib)),
        kind_(kind),
        a_(std::move(a)),
        b_(std::move(b)),
        options_(std::move(options)) {}

  ~BackendCall() override {
    lib_->free_fn(out1_);
    lib_->free_fn(out2_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(lib_->call_mutex);
    char* err = nullptr;
    switch (kind_) {
      case kProve:
        rc_ = lib_->prove(a_.data(), a_.size(), options_.c_str(), &out1_, &len1_, &out2_, &len2_, &err);
        break;
      case kVerify:
        rc_ = lib_->verify(a_.data(), a_.size(), b_.data(), b_.size(), &err);
        break;
      case kExecute:
        rc_ = lib_->execute(a_.data(), a_.size(), options_.c_str(), &out2_, &len2_, &cycles_, &err);
        break;
    }
    bool failed = kind_ == kVerify ? (rc_ != TESSERA_OK && rc_ != TESSERA_VERIFY_REJECTED) : rc_ != TESSERA_OK;
    if (failed) {
      std::string msg = err != nullptr ? std::string(err) : std::string("backend returned error code ") + std::to_string(rc_);
      SetError(msg);
    } else if (kind_ != kVerify && ((len1_ > 0 && out1_ == nullptr) || (len2_ > 0 && out2_ == nullptr))) {
      SetError("backend returned a NULL buffer with a non-zero length");
    }
    lib_->free_fn(err);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (kind_ == kVerify) {
      deferred_.Resolve(Napi::Boolean::New(env, rc_ == TESSERA_OK));
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    if (kind_ == kProve) result.Set("proof", Copy(env, out1_, len1_));
    result.Set("publicValues", Copy(env, out2_, len2_));
    if (kind_ == kExecute) result.Set("cycles", Napi::BigInt::New(env, cycles_));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& e) override {
    Napi::Error err = e;
    err.Set("code", Napi::String::New(Env(), "ERR_TESSERA_BACKEND_CALL"));
    err.Set("status", Napi::Number::New(Env(), rc_));
    deferred_.Reject(err.Value());
  }

 private:
  static Napi::Uint8Array Copy(Napi::Env env, const uint8_t* p, size_t n) {
    Napi::Uint8Array out = Napi::Uint8Array::New(env, n);
    if (n > 0) std::memcpy(out.Data(), p, n);
    return out;
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Library> lib_;
  Kind kind_;
  std::vector<uint8_t> a_, b_;
  std::string options_;
  int32_t rc_ = 0;
  uint8_t* out1_ = nullptr;
  uint8_t* out2_ = nullptr;
  size_t len1_ = 0, len2_ = 0;
  uint64_t cycles_ = 0;
};

class Backend : public Napi::ObjectWrap<Backend> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ZkvmBackendHandle",
                       {InstanceMethod("prove", &Backend::Prove), InstanceMethod("verify", &Backend::Verify),
                        InstanceMethod("execute", &Backend::ExecuteGuest), InstanceMethod("close", &Backend::Close),
                        InstanceAccessor("abiVersion", &Backend::AbiVersion, nullptr),
                        InstanceAccessor("info", &Backend::Info, nullptr)});
  }

  // Called from JS only through openBackend, which passes an External<shared_ptr<Library>>.
  explicit Backend(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Backend>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      Napi::TypeError::New(info.Env(), "use openBackend(path)").ThrowAsJavaScriptException();
      return;
    }
    auto* holder = info[0].As<Napi::External<std::shared_ptr<Library>>>().Data();
    lib_ = *holder;
  }

 private:
  bool Open(Napi::Env env) {
    if (!lib_) {
      ThrowCoded(env, "ERR_TESSERA_BACKEND_CLOSED", "backend handle is closed");
      return false;
    }
    return true;
  }

  static bool Bytes(Napi::Env env, const Napi::Value& v, const char* what, std::vector<uint8_t>* out) {
    const uint8_t* p;
    size_t n;
    if (!GetUint8Array(env, v, what, &p, &n)) return false;
    out->assign(p, p + n);
    return true;
  }

  static bool Options(Napi::Env env, const Napi::Value& v, std::string* out) {
    if (v.IsUndefined()) {
      *out = "{}";
      return true;
    }
    if (!v.IsString()) {
      Napi::TypeError::New(env, "options must be a JSON string").ThrowAsJavaScriptException();
      return false;
    }
    *out = v.As<Napi::String>().Utf8Value();
    if (out->find('\0') != std::string::npos) {
      Napi::RangeError::New(env, "options must not contain NUL").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  Napi::Value Start(Napi::Env env, BackendCall::Kind kind, std::vector<uint8_t> a, std::vector<uint8_t> b,
                    std::string options) {
    auto* call = new BackendCall(env, lib_, kind, std::move(a), std::move(b), std::move(options));
    Napi::Promise p = call->Promise();
    call->Queue();
    return p;
  }

  Napi::Value Prove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint8_t> input;
    std::string options;
    if (!Open(env) || !Bytes(env, info[0], "input", &input) || !Options(env, info[1], &options)) return env.Undefined();
    return Start(env, BackendCall::kProve, std::move(input), {}, std::move(options));
  }

  Napi::Value Verify(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint8_t> proof, pv;
    if (!Open(env) || !Bytes(env, info[0], "proof", &proof) || !Bytes(env, info[1], "publicValues", &pv))
      return env.Undefined();
    return Start(env, BackendCall::kVerify, std::move(proof), std::move(pv), "");
  }

  Napi::Value ExecuteGuest(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint8_t> input;
    std::string options;
    if (!Open(env) || !Bytes(env, info[0], "input", &input) || !Options(env, info[1], &options)) return env.Undefined();
    return Start(env, BackendCall::kExecute, std::move(input), {}, std::move(options));
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    lib_.reset();  // pending calls keep their own reference; the library is dlclose()d after the last one
    return info.Env().Undefined();
  }

  Napi::Value AbiVersion(const Napi::CallbackInfo& info) {
    if (!Open(info.Env())) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), lib_->abi_version);
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    if (!Open(info.Env())) return info.Env().Undefined();
    return Napi::String::New(info.Env(), lib_->info);
  }

  std::shared_ptr<Library> lib_;
};

// ---- the addon -------------------------------------------------------------------------------------------

class TesseraAddon : public Napi::Addon<TesseraAddon> {
 public:
  TesseraAddon(Napi::Env env, Napi::Object exports) {
#ifdef TESSERA_HAVE_LIBSECP256K1
    ctx_ = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    const bool have_secp = ctx_ != nullptr;
#else
    const bool have_secp = false;
#endif
    backend_ctor_ = Napi::Persistent(Backend::Define(env));
    DefineAddon(exports,
                {
                    InstanceMethod("keccak256", &TesseraAddon::Keccak256, napi_enumerable),
                    InstanceMethod("keccak256Into", &TesseraAddon::Keccak256Into, napi_enumerable),
                    InstanceMethod("keccak256Batch", &TesseraAddon::Keccak256Batch, napi_enumerable),
                    InstanceMethod("ecrecover", &TesseraAddon::Ecrecover, napi_enumerable),
                    InstanceMethod("blake2f", &TesseraAddon::Blake2f, napi_enumerable),
                    InstanceMethod("openBackend", &TesseraAddon::OpenBackend, napi_enumerable),
                    InstanceValue("libsecp256k1", Napi::Boolean::New(env, have_secp), napi_enumerable),
                    InstanceValue("backendAbiVersion", Napi::Number::New(env, TESSERA_BACKEND_ABI_VERSION), napi_enumerable),
                });
  }

  ~TesseraAddon() {
#ifdef TESSERA_HAVE_LIBSECP256K1
    if (ctx_ != nullptr) secp256k1_context_destroy(ctx_);
#endif
  }

 private:
  // keccak256(data: Uint8Array): Uint8Array(32)
  Napi::Value Keccak256(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint8_t* data;
    size_t len;
    if (!GetUint8Array(env, info[0], "data", &data, &len)) return env.Undefined();
    uint8_t digest[32];
    tessera_keccak256(data, len, digest);
    Napi::Uint8Array out = Napi::Uint8Array::New(env, 32);
    std::memcpy(out.Data(), digest, 32);
    return out;
  }

  // keccak256Into(data: Uint8Array, out: Uint8Array): undefined — writes the digest to out[0..32).
  // Lets JS reuse one output buffer and copy with slice(), which is cheaper than creating a typed array here.
  Napi::Value Keccak256Into(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint8_t *data, *out;
    size_t len, out_len;
    if (!GetUint8Array(env, info[0], "data", &data, &len) || !GetUint8Array(env, info[1], "out", &out, &out_len))
      return env.Undefined();
    if (out_len < 32) {
      Napi::RangeError::New(env, "out must have room for 32 bytes").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    tessera_keccak256(data, len, const_cast<uint8_t*>(out));
    return env.Undefined();
  }

  // keccak256Batch(data: Uint8Array, offsets: Uint32Array): Uint8Array(n * 32)
  // Input i is data[offsets[i], offsets[i+1]). offsets has n+1 entries, non-decreasing, last <= data.length.
  // Each offset is read exactly once into a local, so a SharedArrayBuffer mutated concurrently by another
  // thread can at worst change which bytes get hashed, never make us read outside `data`.
  Napi::Value Keccak256Batch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint8_t* data;
    size_t len;
    if (!GetUint8Array(env, info[0], "data", &data, &len)) return env.Undefined();
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      Napi::TypeError::New(env, "offsets must be a Uint32Array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint32Array offsets_arr = info[1].As<Napi::Uint32Array>();
    const size_t count = offsets_arr.ElementLength();
    const volatile uint32_t* offsets = offsets_arr.Data();
    if (count == 0 || offsets == nullptr) {
      Napi::RangeError::New(env, "offsets must have n+1 >= 1 entries").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const size_t n = count - 1;
    Napi::Uint8Array out = Napi::Uint8Array::New(env, n * 32);
    if (env.IsExceptionPending()) return env.Undefined();  // allocation failed (n * 32 too large)
    uint8_t* dst = out.Data();
    if (n > 0 && dst == nullptr) {
      Napi::RangeError::New(env, "cannot allocate " + std::to_string(n) + " digests").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t start = offsets[0];
    if (start > len) {
      Napi::RangeError::New(env, "offsets[0] = " + std::to_string(start) + " is past the end of data (" +
                                     std::to_string(len) + " bytes)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    for (size_t i = 0; i < n; i++) {
      const size_t end = offsets[i + 1];
      if (end < start || end > len) {
        Napi::RangeError::New(env, "offsets[" + std::to_string(i + 1) + "] = " + std::to_string(end) +
                                       (end < start ? " is below offsets[" + std::to_string(i) + "] = " + std::to_string(start)
                                                    : " is past the end of data (" + std::to_string(len) + " bytes)"))
            .ThrowAsJavaScriptException();
        return env.Undefined();
      }
      tessera_keccak256(data + start, end - start, dst + 32 * i);
      start = end;
    }
    return out;
  }

  // blake2f(input: Uint8Array(213)): Uint8Array(64) — the BLAKE2F precompile's output for a valid input
  // (rounds u32 BE || h || m || t || f). Synchronous: 2^32 - 1 rounds take ~15 s; callers run in workers.
  Napi::Value Blake2f(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint8_t* data;
    size_t len;
    if (!GetUint8Array(env, info[0], "input", &data, &len)) return env.Undefined();
    if (len != 213) {
      Napi::RangeError::New(env, "input must be 213 bytes").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uint8_t input[213];
    std::memcpy(input, data, 213);  // a copy: the caller's buffer may be shared and change during a long run
    if (input[212] > 1) {
      Napi::RangeError::New(env, "final-block flag must be 0 or 1").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array out = Napi::Uint8Array::New(env, 64);
    tessera_blake2f(input, out.Data());
    return out;
  }

  // ecrecover(msgHash: Uint8Array(32), sig: Uint8Array(64) r||s, recid: 0..3): Uint8Array(65) 0x04||X||Y
  Napi::Value Ecrecover(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const uint8_t *msg, *sig;
    size_t msg_len, sig_len;
    if (!GetUint8Array(env, info[0], "msgHash", &msg, &msg_len)) return env.Undefined();
    if (!GetUint8Array(env, info[1], "signature", &sig, &sig_len)) return env.Undefined();
    if (msg_len != 32) {
      Napi::RangeError::New(env, "msgHash must be 32 bytes").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (sig_len != 64) {
      Napi::RangeError::New(env, "signature must be 64 bytes (r || s)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!info[2].IsNumber()) {
      Napi::TypeError::New(env, "recid must be a number").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const double recid_d = info[2].As<Napi::Number>().DoubleValue();
    if (!(recid_d == 0 || recid_d == 1 || recid_d == 2 || recid_d == 3)) {
      Napi::RangeError::New(env, "recid must be 0, 1, 2 or 3").ThrowAsJavaScriptException();
      return env.Undefined();
    }
#ifdef TESSERA_HAVE_LIBSECP256K1
    if (ctx_ == nullptr) {
      Napi::Error::New(env, "libsecp256k1 context unavailable").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx_, &rsig, sig, static_cast<int>(recid_d))) {
      Napi::Error::New(env, "invalid signature: r or s out of range").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!secp256k1_ecdsa_recover(ctx_, &pub, &rsig, msg)) {
      Napi::Error::New(env, "public key recovery failed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array out = Napi::Uint8Array::New(env, 65);
    size_t out_len = 65;
    secp256k1_ec_pubkey_serialize(ctx_, out.Data(), &out_len, &pub, SECP256K1_EC_UNCOMPRESSED);
    return out;
#else
    ThrowCoded(env, "ERR_TESSERA_NO_LIBSECP256K1", "addon was built without libsecp256k1");
    return env.Undefined();
#endif
  }

  // openBackend(path: string): ZkvmBackendHandle. Errors carry code ERR_TESSERA_DLOPEN / _SYMBOL / _ABI.
  Napi::Value OpenBackend(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) {
      Napi::TypeError::New(env, "path must be a string").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    auto lib = std::make_shared<Library>();
    dlerror();
    lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib->handle == nullptr) {
      const char* e = dlerror();
      ThrowCoded(env, "ERR_TESSERA_DLOPEN", e != nullptr ? e : ("cannot open " + path));
      return env.Undefined();
    }
    auto version = reinterpret_cast<AbiVersionFn>(Sym(lib->handle, "tessera_backend_abi_version"));
    auto info_fn = reinterpret_cast<InfoFn>(Sym(lib->handle, "tessera_backend_info"));
    lib->prove = reinterpret_cast<ProveFn>(Sym(lib->handle, "tessera_prove"));
    lib->verify = reinterpret_cast<VerifyFn>(Sym(lib->handle, "tessera_verify"));
    lib->execute = reinterpret_cast<ExecuteFn>(Sym(lib->handle, "tessera_execute"));
    lib->free_fn = reinterpret_cast<FreeFn>(Sym(lib->handle, "tessera_free"));
    std::string missing;
    if (version == nullptr) missing += " tessera_backend_abi_version";
    if (info_fn == nullptr) missing += " tessera_backend_info";
    if (lib->prove == nullptr) missing += " tessera_prove";
    if (lib->verify == nullptr) missing += " tessera_verify";
    if (lib->execute == nullptr) missing += " tessera_execute";
    if (lib->free_fn == nullptr) missing += " tessera_free";
    if (version != nullptr) lib->abi_version = version();
    if (version != nullptr && lib->abi_version != TESSERA_BACKEND_ABI_VERSION) {
      ThrowCoded(env, "ERR_TESSERA_ABI",
                 path + " implements backend ABI version " + std::to_string(lib->abi_version) + ", this Tessera needs " +
                     std::to_string(TESSERA_BACKEND_ABI_VERSION));
      return env.Undefined();
    }
    if (!missing.empty()) {
      ThrowCoded(env, "ERR_TESSERA_SYMBOL", path + " does not export:" + missing);
      return env.Undefined();
    }
    const char* description = info_fn();
    lib->info = description != nullptr ? description : "";
    std::shared_ptr<Library> holder = lib;
    return backend_ctor_.New({Napi::External<std::shared_ptr<Library>>::New(env, &holder)});
  }

  static void* Sym(void* handle, const char* name) { return dlsym(handle, name); }

  Napi::FunctionReference backend_ctor_;
#ifdef TESSERA_HAVE_LIBSECP256K1
  secp256k1_context* ctx_ = nullptr;
#endif
};

}  // namespace

NODE_API_ADDON(TesseraAddon)
