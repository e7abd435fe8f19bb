// Prints 1 when libsecp256k1 with the recovery module can be compiled and linked here, else 0.
// Used by binding.gyp. TESSERA_LIBSECP256K1=0 forces 0 (build without it; the JS side then uses the npm
// `secp256k1` prebuilt or noble).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function detect() {
  if (process.env.TESSERA_LIBSECP256K1 === '0') return false
  const dir = mkdtempSync(join(tmpdir(), 'tessera-secp-'))
  try {
    const src = join(dir, 't.c')
    writeFileSync(
      src,
      '#include <secp256k1.h>\n#include <secp256k1_recovery.h>\n' +
        'int main(void){secp256k1_context*c=secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);' +
        'secp256k1_ecdsa_recoverable_signature s;(void)s;secp256k1_context_destroy(c);return 0;}\n',
    )
    const cc = process.env.CC || 'cc'
    const r = spawnSync(cc, [src, '-o', join(dir, 't'), '-lsecp256k1'], { stdio: 'ignore' })
    return r.status === 0
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

process.stdout.write(detect() ? '1' : '0')
