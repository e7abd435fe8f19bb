/**
 * The binary ProgramInput encoder lives with its decoder in guest/input.ts (iterative, any witness size);
 * host modules import it from here.
 */
export { encodeProgramInput } from '../../guest/input.js'
