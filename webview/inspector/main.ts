import { el } from '../shared/dom';

// The mask inspector view (issue 7) will fill this in.
document.getElementById('root')!.replaceChildren(el('p', {}, 'Masks appear here after a decode.'));
