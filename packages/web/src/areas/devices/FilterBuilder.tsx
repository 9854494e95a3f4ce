/**
 * The simple filter builder: rows of field + operator + value, shown as the RSQL they make
 * (rsql.ts), applied as the list's `q`. Each row's problem is shown at the row.
 */
import { ActionIcon, Button, Code, Group, MultiSelect, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { buildRsql, FILTER_FIELDS, newRow, OPERATOR_LABELS, OPERATORS_FOR, type FilterRow } from './rsql.js';
import { UPDATE_STATUSES, updateStatusLook } from './status.js';

const STATUS_OPTIONS = UPDATE_STATUSES.map((s) => ({ value: s, label: updateStatusLook(s).label }));

function ValueInput({ row, index, error, onChange }: { row: FilterRow; index: number; error: string | undefined; onChange: (value: string) => void }) {
  const kind = FILTER_FIELDS.find((f) => f.selector === row.field)?.kind ?? 'text';
  const label = `Value of condition ${index + 1}`;
  if (kind === 'status' && row.operator === 'oneOf') {
    return (
      <MultiSelect
        aria-label={label}
        data={STATUS_OPTIONS}
        value={row.value ? row.value.split(',') : []}
        onChange={(v) => onChange(v.join(','))}
        error={error}
        w={260}
      />
    );
  }
  if (kind === 'status') {
    return <Select aria-label={label} data={STATUS_OPTIONS} value={row.value || null} onChange={(v) => onChange(v ?? '')} error={error} w={200} />;
  }
  return (
    <TextInput
      aria-label={label}
      type={kind === 'time' ? 'datetime-local' : 'text'}
      placeholder={row.operator === 'oneOf' ? 'a, b, c' : undefined}
      value={row.value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      w={260}
    />
  );
}

export function FilterBuilder({ onApply }: { onApply: (q: string) => void }) {
  const [rows, setRows] = useState<FilterRow[]>([newRow()]);
  const built = buildRsql(rows);
  const change = (index: number, patch: Partial<FilterRow>) =>
    setRows((all) =>
      all.map((row, i) => {
        if (i !== index) return row;
        if (patch.field && patch.field !== row.field) return newRow(patch.field);
        return { ...row, ...patch };
      }),
    );
  const invalid = built.errors.some((e) => e !== undefined);

  return (
    <Stack gap="xs" role="group" aria-label="filter builder">
      {rows.map((row, index) => {
        const kind = FILTER_FIELDS.find((f) => f.selector === row.field)?.kind ?? 'text';
        return (
          <Group key={index} align="flex-start" gap="xs">
            <Select
              aria-label={`Field of condition ${index + 1}`}
              data={FILTER_FIELDS.map((f) => ({ value: f.selector, label: f.label }))}
              value={row.field}
              onChange={(v) => v && change(index, { field: v })}
              allowDeselect={false}
              w={170}
            />
            {kind === 'attribute' ? (
              <TextInput
                aria-label={`Attribute name of condition ${index + 1}`}
                placeholder="attribute name"
                value={row.key ?? ''}
                onChange={(e) => change(index, { key: e.currentTarget.value })}
                w={150}
              />
            ) : null}
            <Select
              aria-label={`Operator of condition ${index + 1}`}
              data={OPERATORS_FOR[kind].map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
              value={row.operator}
              onChange={(v) => v && change(index, { operator: v as FilterRow['operator'], value: '' })}
              allowDeselect={false}
              w={140}
            />
            <ValueInput row={row} index={index} error={built.errors[index]} onChange={(value) => change(index, { value })} />
            <ActionIcon
              variant="subtle"
              color="gray"
              size="lg"
              aria-label={`Remove condition ${index + 1}`}
              onClick={() => setRows((all) => (all.length === 1 ? [newRow()] : all.filter((_, i) => i !== index)))}
            >
              ✕
            </ActionIcon>
          </Group>
        );
      })}
      <Group gap="xs">
        <Button variant="default" size="xs" onClick={() => setRows((all) => [...all, newRow()])}>
          Add condition
        </Button>
        <Button size="xs" onClick={() => onApply(built.q)} disabled={invalid}>
          Apply filter
        </Button>
        <Text size="xs" c="dimmed" component="span">
          All conditions must hold. RSQL: {built.q ? <Code>{built.q}</Code> : '(none)'}
        </Text>
      </Group>
    </Stack>
  );
}
