/* The registration form's subcategory list follows the chosen target group (issue 19).
 * Without JavaScript the list shows every group's subcategories under its group's heading,
 * and the server refuses a subcategory of another group (summary_rules.py). */

/**
 * Keep, per target group, the options the template rendered inside its optgroup; show
 * only the chosen group's. The first (empty) option stays; no group: the list is disabled.
 */
export function init(root) {
  const group = root.querySelector('#f-target_group');
  const select = root.querySelector('#f-subcategory');
  if (!group || !select) return;
  const empty = select.options[0];
  const byGroup = new Map();
  select.querySelectorAll('optgroup[data-group]').forEach(function (optgroup) {
    byGroup.set(optgroup.dataset.group, Array.from(optgroup.children));
  });

  function fill() {
    const options = byGroup.get(group.value) || [];
    const keep = options.some(function (option) { return option.value === select.value; })
      ? select.value : '';
    select.replaceChildren.apply(select, [empty].concat(options));
    select.value = options.length === 1 ? options[0].value : keep;
    select.disabled = !options.length;
  }

  fill();
  group.addEventListener('change', fill);
}
