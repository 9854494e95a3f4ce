// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders } from '../test/render.js';
import { DataTable, type PageRequest } from './DataTable.js';

afterEach(cleanup);

interface Row {
  name: string;
}

describe('DataTable', () => {
  it('asks the server for one page, and for the sorted page when a header is clicked', async () => {
    const requests: PageRequest[] = [];
    const fetchPage = async (r: PageRequest) => {
      requests.push(r);
      return { content: [{ name: `row-${r.offset}-${r.sort ?? 'none'}` }], total: 1234 };
    };
    renderWithProviders(
      <DataTable<Row>
        queryKey={['things']}
        caption="things"
        fetchPage={fetchPage}
        columns={[{ id: 'name', header: 'Name', accessorKey: 'name', enableSorting: true }]}
      />,
    );
    expect(await screen.findByText('row-0-none')).toBeTruthy();
    expect(requests[0]).toEqual({ offset: 0, limit: 25, sort: undefined });
    expect(screen.getByText('1–25 of 1,234 things')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: /Name/ }));
    expect(await screen.findByText('row-0-name:ASC')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'page 3' }));
    expect(await screen.findByText('row-50-name:ASC')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('51–75 of 1,234 things')).toBeTruthy());
  });

  it('says what went wrong when the server refuses', async () => {
    const { ApiError } = await import('@osprey/client');
    renderWithProviders(
      <DataTable<Row>
        queryKey={['broken']}
        caption="things"
        fetchPage={async () => {
          throw new ApiError(400, { errorCode: 'BAD_FILTER', message: 'unknown field "nme" in the filter' });
        }}
        columns={[{ id: 'name', header: 'Name', accessorKey: 'name' }]}
      />,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('unknown field "nme" in the filter');
  });
});
