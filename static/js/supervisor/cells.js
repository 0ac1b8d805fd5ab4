/* Building the overview's table rows: a text cell and an action button (text only,
 * never HTML). */

/** Append a <td> with `text` (and a class) to `row`; returns it. */
export function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

/** A type="button" button with its text and click handler. */
export function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className || 'secondary';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
