{
  # Built by scripts/build-native.mjs during `npm install`; a failed build leaves the pure-JS path active.
  "variables": {
    "tessera_libsecp256k1%": "<!(node native/detect-libsecp256k1.mjs)"
  },
  "targets": [
    {
      "target_name": "tessera_native",
      "sources": ["native/src/addon.cc", "native/src/keccak.c", "native/src/blake2f.c"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["-O3", "-fvisibility=hidden"],
      "cflags_cc": ["-O3", "-fvisibility=hidden"],
      "libraries": ["-ldl"],
      "conditions": [
        ["tessera_libsecp256k1==1", {
          "defines": ["TESSERA_HAVE_LIBSECP256K1=1"],
          "libraries": ["-lsecp256k1"]
        }]
      ]
    }
  ]
}
